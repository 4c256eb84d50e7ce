// api.tune(): the core's d-doubling search through the JS API — result shape as evaluate() plus `tuning`,
// progress and cancellation, reproducible by seed with a trial limit, bad options refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AlsrecError, loadApi } from './harness.mjs';

const alsrec = await loadApi();
const { dataset } = alsrec.generateDemo({ users: 150, items: 120, interactions: 4000, seed: 11 });
const SEARCH = {
  split: 'temporal:0.2', k: 10, budgetSeconds: 0, maxTrials: 5,
  params: { iterations: 4, seed: 5 },
};

test('tune returns evaluate()\'s keys for the winner plus the trial table', () => {
  const seen = [];
  const r = alsrec.tune(dataset, { ...SEARCH, onProgress: (p) => { seen.push(p.trialsDone); },
                                   onSearchDone: (t) => { seen.push(`done after ${t.trials.length}`); } });
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 'done after 5']);
  assert.equal(r.tuning.trials.length, 5);
  assert.equal(r.tuning.budgetExhausted, true);
  assert.equal(r.tuning.objective, 'ndcg');
  const chosen = r.tuning.trials[r.tuning.best];
  for (const t of r.tuning.trials) assert.ok(t.objective <= chosen.objective);
  assert.deepEqual(r.params, { ...chosen.params, computeLoss: r.params.computeLoss });
  assert.equal(r.params.confidence, 'ials');
  assert.ok(r.metrics.ndcg > 0 && r.metrics.ndcg <= 1);
  assert.ok(r.baseline.popularity.recall >= 0);
  assert.ok(r.tuning.validationInteractions > 0);
  // Same seed and trial limit: the same choice and the same test metrics.
  const again = alsrec.tune(dataset, SEARCH);
  assert.equal(again.tuning.best, r.tuning.best);
  assert.equal(again.metrics.ndcg, r.metrics.ndcg);
});

test('onProgress returning false cancels; a throwing onProgress rethrows its error', () => {
  assert.throws(() => alsrec.tune(dataset, { ...SEARCH, onProgress: () => false }),
    (e) => e instanceof AlsrecError && e.code === 'cancelled');
  const boom = new Error('boom');
  assert.throws(() => alsrec.tune(dataset, { ...SEARCH, onProgress: () => { throw boom; } }), (e) => e === boom);
});

test('bad tune options are refused', () => {
  assert.throws(() => alsrec.tune(dataset, { split: 'none' }), AlsrecError);
  assert.throws(() => alsrec.tune(dataset, { budgetSeconds: -1 }), AlsrecError);
  assert.throws(() => alsrec.tune(dataset, { objective: 'auc' }), AlsrecError);
  assert.throws(() => alsrec.tune(dataset, { budgetSecond: 3 }), /did you mean 'budgetSeconds'/);
});

test('defaults(mode): each confidence mode\'s starting point', () => {
  const d = alsrec.defaults('implicit');
  assert.equal(d.confidence, 'implicit');
  assert.equal(d.factors, 64);
  assert.equal(d.regularization, 0.1);
  assert.equal(d.regExponent, 0);
  assert.equal(d.values, 'binary');
  assert.deepEqual(alsrec.defaults('ials'), alsrec.defaults());
  const ex = alsrec.defaults('explicit');  // ALS-WR: lambda times the row count, on the ratings
  assert.equal(ex.regExponent, 1);
  assert.equal(ex.values, 'raw');
  assert.throws(() => alsrec.defaults('sometimes'), AlsrecError);
});

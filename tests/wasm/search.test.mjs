// The core's search through the JS API: the default screen of α₀ and λ, --auto's staged search a trial at a time
// (progress, cancel between trials, reproducible with a trial limit), none; and the EASE baseline, computed when the
// catalogue fits the memory given and refused with the engine's reason when it does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AlsrecError, assertAlsrecError, loadApi } from './harness.mjs';

const alsrec = await loadApi();
const { dataset } = alsrec.generateDemo({ users: 150, items: 120, interactions: 4000, seed: 11 });
const FAST = { iterations: 4, seed: 5 };
const AUTO = { split: 'temporal:0.2', search: 'auto', budgetSeconds: 0, maxTrials: 5 };

test('the default screen searches alpha0 and lambda only, then fits with the winner', () => {
  const experiment = alsrec.createExperiment(dataset, { ...FAST, factors: 8 }, { split: 'temporal:0.2' });
  try {
    assert.equal(experiment.searching, true);
    const before = experiment.params;
    const trials = [];
    while (experiment.searching) {
      const p = experiment.searchStep();
      if (p.last) trials.push(p.last);
      assert.ok(p.trialsDone >= trials.length - 1);
    }
    const r = experiment.searchResult();
    assert.ok(r.trials.length >= 3, `${r.trials.length} trials`);
    const stages = [...new Set(r.trials.map((t) => t.stage))];
    assert.deepEqual(stages.slice(0, 3), ['start', 'weight', 'lambda']);
    // α₀ again at the new λ, only when the λ stage moved it; then along λ·α₀ = constant, then ω ½ against 0
    const rest = stages.slice(3).filter((s) => s !== 'reweight');
    assert.deepEqual(rest, ['ridge', 'popularity'], stages.join());
    assert.ok(stages.length === 5 || stages[3] === 'reweight', stages.join());
    for (const t of r.trials) {
      assert.equal(t.params.confidence, 'ials');
      assert.equal(t.params.values, before.values, 'the screen leaves the value transform alone');
    }
    // The best scored highest, except that ω ½ must beat the uniform weights by 1% to be kept.
    const best = r.trials[r.best];
    const uniform = r.trials.filter((t) => t.stage !== 'popularity');
    const topUniform = Math.max(...uniform.map((t) => t.objective));
    for (const t of uniform) assert.ok(t.objective <= best.objective);
    for (const t of r.trials.filter((x) => x.stage === 'popularity')) {
      assert.equal(t.params.popularityExponent, 0.5);
      if (t === best) assert.ok(t.objective >= 1.01 * topUniform);
      else assert.ok(t.objective <= best.objective || t.objective < 1.01 * topUniform);
    }
    assert.equal(experiment.params.popularityExponent, best.params.popularityExponent);
    // The winner's alpha0 and lambda are the experiment's options; the given factors are kept.
    const p = experiment.params;
    assert.equal(p.unobservedWeight, r.chosen.unobservedWeight);
    assert.equal(p.regularization, r.chosen.regularization);
    assert.equal(p.factors, 8);
    assert.ok(experiment.notes.length >= 1);
    assert.equal(experiment.step().iteration, 1);
  } finally {
    experiment.delete();
  }
});

test('auto: a trial per searchStep, a reproducible choice with a trial limit, and evaluate() reports it', () => {
  const seen = [];
  const r = alsrec.evaluate(dataset, FAST, { ...AUTO, onTrial: (p) => { seen.push(p.trialsDone); } });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(r.search.trials.length, 5);
  assert.equal(r.search.budgetExhausted, true);
  const chosen = r.search.trials[r.search.best];
  for (const t of r.search.trials) assert.ok(t.objective <= chosen.objective);
  for (const key of ['confidence', 'values', 'unobservedWeight', 'regularization', 'factors']) {
    assert.equal(r.params[key], r.search.chosen[key], key);
  }
  assert.ok(r.metrics.ndcg > 0 && r.metrics.ndcg <= 1);
  assert.ok(r.baseline.popularity.recall >= 0);
  assert.ok(r.search.validationInteractions > 0);
  assert.ok(r.search.validationInteractions + r.search.fitInteractions < 4000, 'the search saw the train part only');
  const again = alsrec.evaluate(dataset, FAST, AUTO);
  assert.equal(again.search.best, r.search.best);
  assert.equal(again.metrics.ndcg, r.metrics.ndcg);
});

test('onTrial returning false cancels between trials; a throwing callback rethrows its error', () => {
  let calls = 0;
  assertAlsrecError(() => alsrec.evaluate(dataset, FAST, { ...AUTO, onTrial: () => ++calls < 2 }), 'cancelled',
    /after 2 trials/);
  assert.equal(calls, 2);
  const boom = new Error('boom');
  assert.throws(() => alsrec.train(dataset, FAST, { search: 'auto', maxTrials: 3, onTrial: () => { throw boom; } }),
    (e) => e === boom);
});

test('search none: no trials, the data\'s defaults as they are', () => {
  const experiment = alsrec.createExperiment(dataset, FAST, { split: 'random:0.2', search: 'none' });
  try {
    assert.equal(experiment.searching, false);
    assert.equal(experiment.searchResult(), null);
    // The data's defaults (decided from the train part), unscreened: the same kind of choice resolve() makes.
    const resolved = dataset.resolve(FAST).params;
    for (const key of ['confidence', 'values', 'factors', 'iterations', 'seed']) {
      assert.equal(experiment.params[key], resolved[key], key);
    }
    assert.equal(experiment.step().iteration, 1);
  } finally {
    experiment.delete();
  }
});

test('EASE beside popularity: computed on the same split, or refused with the reason when it does not fit', () => {
  const params = { ...FAST, factors: 8 };
  const r = alsrec.evaluate(dataset, params, { split: 'temporal:0.2', search: 'none', baselines: 'popularity,ease' });
  const ease = r.baseline.ease;
  assert.ok(ease.lambda > 0, JSON.stringify(ease));
  assert.ok(ease.recall > 0 && ease.recall <= 1);
  assert.equal(ease.users, r.metrics.users, 'the same held-out users');
  const items = dataset.summary().items;
  assert.equal(alsrec.easeMemoryBytes(items), 2 * items * items * 4);
  const refused = alsrec.evaluate(dataset, params, { split: 'temporal:0.2', search: 'none', baselines: 'popularity,ease',
                                                    easeMaxBytes: alsrec.easeMemoryBytes(items) - 1 });
  assert.match(refused.baseline.ease.error, new RegExp(`EASE needs two items x items matrices: ${items} items`));
  assert.deepEqual(refused.metrics, r.metrics, 'the model is scored all the same');
  assert.ok(refused.baseline.popularity.recall >= 0);
});

test('bad search options are refused', () => {
  assert.throws(() => alsrec.evaluate(dataset, FAST, { split: 'none' }), AlsrecError);
  assert.throws(() => alsrec.evaluate(dataset, FAST, { search: 'auto', objective: 'auc' }), AlsrecError);
  assert.throws(() => alsrec.evaluate(dataset, FAST, { budgetSecond: 3 }), /did you mean 'budgetSeconds'/);
});

// Parity of the wasm module with the native CLI on ml-latest-small, same parameters and seed: both run the core's
// Experiment, so evaluate metrics agree within 0.002 and the default screen picks the same alpha0 and lambda; the
// parameter table is the CLI's flags; a model file written by either loads in the other and ranks the same.
// Skipped (exit 77, which ctest counts as skipped) when the CLI binary or the data does not exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { assertSameRanking, cli, cliJson, loadApi, paths } from './harness.mjs';

if (!fs.existsSync(paths.cli)) {
  console.log(`SKIP: no native CLI at ${paths.cli}; build it (cmake --preset native && cmake --build --preset native) ` +
    'or pass --cli PATH to run the parity tests');
  process.exit(77);
}

const ratingsPath = path.join(paths.shared, 'ml-latest-small', 'ratings.csv');
if (!fs.existsSync(ratingsPath)) {
  console.log(`SKIPPED: test data not found: ${ratingsPath} (see README, "Test data")`);
  process.exit(77);
}
const PARAMS = { factors: 64, iterations: 15, seed: 42 };
const MODEL_FLAGS = ['--factors', '64', '--iterations', '15', '--seed', '42', '--threads', '1'];
const EVALUATE = ['evaluate', '--input', ratingsPath, '--split', 'temporal:0.2', '--k', '10', ...MODEL_FLAGS, '--json'];
const METRIC_KEYS = {  // CLI JSON key -> RankingMetrics field
  'recall@10': 'recall', 'ndcg@10': 'ndcg', 'precision@10': 'precision', 'map@10': 'map',
  'hit_rate@10': 'hitRate', auc: 'auc', 'coverage@10': 'coverage',
};
const USERS = ['1', '68', '414', '610'];

const alsrec = await loadApi();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'alsrec-parity-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const loadStart = performance.now();
const dataset = alsrec.loadRatings(fs.readFileSync(ratingsPath), { sourceName: 'ratings.csv' });
const loadSeconds = (performance.now() - loadStart) / 1000;
after(() => dataset.delete());

test('evaluate without the screen: wasm metrics agree with the native CLI within 0.002', (t) => {
  let start = performance.now();
  const native = cliJson(...EVALUATE, '--no-screen');
  const nativeWall = (performance.now() - start) / 1000;

  start = performance.now();
  const wasm = alsrec.evaluate(dataset, PARAMS, { split: 'temporal:0.2', k: 10, search: 'none' });
  const wasmWall = (performance.now() - start) / 1000 + loadSeconds;
  // Wall times include reading and parsing the file on both sides (the native one also process start-up).
  t.diagnostic(`evaluate ml-latest-small, factors 64, 15 iterations: native --threads 1 ${nativeWall.toFixed(2)} s ` +
    `(fit ${native.fit_seconds.toFixed(2)} s), wasm ${wasmWall.toFixed(2)} s (parse ${loadSeconds.toFixed(2)} s, ` +
    `fit ${wasm.fitSeconds.toFixed(2)} s); wasm/native ${(wasmWall / nativeWall).toFixed(2)} (fit ` +
    `${(wasm.fitSeconds / native.fit_seconds).toFixed(2)})`);
  t.diagnostic(`recall@10 native ${native.metrics['recall@10'].toFixed(4)} wasm ${wasm.metrics.recall.toFixed(4)}; ` +
    `ndcg@10 native ${native.metrics['ndcg@10'].toFixed(4)} wasm ${wasm.metrics.ndcg.toFixed(4)}`);

  assert.equal(wasm.users, native.users);
  assert.equal(wasm.users, 610);
  // The same options decided from the same data.
  assert.equal(wasm.params.values, native.params.values);
  assert.equal(wasm.params.unobservedWeight, native.params.unobserved_weight);
  assert.equal(wasm.params.regularization, native.params.regularization);
  assert.equal(wasm.profile.values.kind, native.profile.values.kind);
  assert.equal(wasm.profile.values.evidence, native.profile.values.evidence);
  assert.deepEqual(wasm.notes, native.notes ?? []);
  for (const [key, field] of Object.entries(METRIC_KEYS)) {
    assert.ok(Math.abs(wasm.metrics[field] - native.metrics[key]) <= 0.002,
      `${key}: native ${native.metrics[key]}, wasm ${wasm.metrics[field]}`);
    // The popularity baseline is counting only: identical up to summation order.
    assert.ok(Math.abs(wasm.baseline.popularity[field] - native.baseline.popularity[key]) <= 1e-9,
      `popularity ${key}: native ${native.baseline.popularity[key]}, wasm ${wasm.baseline.popularity[field]}`);
  }
});

test('the default screen: wasm and the CLI try the same alpha0 and lambda and choose the same', () => {
  // Small fits, to keep the test short: the screen's plan does not depend on them.
  const native = cliJson('evaluate', '--input', ratingsPath, '--split', 'temporal:0.2', '--factors', '16',
                         '--iterations', '6', '--seed', '42', '--threads', '1', '--json');
  const wasm = alsrec.evaluate(dataset, { factors: 16, iterations: 6, seed: 42 }, { split: 'temporal:0.2' });
  assert.ok(native.screen, 'the CLI screened');
  assert.equal(wasm.search.trials.length, native.screen.trials.length);
  wasm.search.trials.forEach((t, i) => {
    const n = native.screen.trials[i];
    assert.equal(t.stage, n.stage);
    assert.equal(t.params.unobservedWeight, n.unobserved_weight, `trial ${i + 1} alpha0`);
    assert.equal(t.params.regularization, n.regularization, `trial ${i + 1} lambda`);
    // CG's few steps per row round differently with wasm's 4 SIMD lanes than with AVX-512's 16; at the screen's
    // smallest alpha0 the systems are ill-conditioned enough for that to move NDCG by a few percent.
    assert.ok(Math.abs(t.objective - n.objective) <= 0.1 * n.objective,
      `trial ${i + 1}: native ${n.objective}, wasm ${t.objective}`);
  });
  assert.equal(wasm.search.best, native.screen.best);
  assert.equal(wasm.params.unobservedWeight, native.params.unobserved_weight);
  assert.equal(wasm.params.regularization, native.params.regularization);
  assert.ok(Math.abs(wasm.metrics.ndcg - native.metrics['ndcg@10']) <= 0.002);
});

test('the parameter table is the CLI\'s: every parameter is a flag of train, with the same limits', () => {
  const help = cli('train', '--help');
  for (const p of alsrec.parameters) {
    assert.match(help, new RegExp(`--${p.flag}\\b`), `--${p.flag} in alsrec train --help`);
    if (p.type === 'integer' || p.type === 'number') {
      const over = p.integer ? p.max + 1 : p.max * 2;
      const r = spawnSync(paths.cli, ['train', '--input', ratingsPath, '--output', path.join(work, 'x.alsr'),
                                      `--${p.flag}`, String(over)], { encoding: 'utf8' });
      assert.notEqual(r.status, 0, `--${p.flag} ${over} is refused`);
      assert.throws(() => dataset.resolve({ [p.name]: over }), new RegExp(p.flag), `${p.name} ${over} is refused`);
    }
  }
});

test('a model written by the CLI loads in wasm: same bytes back, same recommendations', () => {
  const file = path.join(work, 'cli.alsr');
  cli('train', '--input', ratingsPath, '--output', file, ...MODEL_FLAGS, '--no-screen');  // the file is the point
  const bytes = new Uint8Array(fs.readFileSync(file));
  const model = alsrec.loadModel(bytes, 'cli.alsr');
  try {
    assert.equal(model.numUsers, 610);
    assert.equal(model.factors, 64);
    for (const [key, value] of Object.entries(PARAMS)) assert.equal(model.params[key], value, key);
    assert.ok(Buffer.from(model.save()).equals(Buffer.from(bytes)), 'wasm re-serialises the CLI file byte for byte');
    for (const user of USERS) {
      const native = cliJson('recommend', '--model', file, '--user', user, '-n', '10', '--json');
      assert.equal(native.user, user);
      assertSameRanking(native.items, model.recommend(user, 10), `recommend user ${user}`);
    }
    const native = cliJson('similar', '--model', file, '--item', '1', '-n', '10', '--json');
    assertSameRanking(native.items, model.similar('1', 10), 'similar to item 1');
  } finally {
    model.delete();
  }
});

test('a model written by wasm loads in the CLI and ranks the same', () => {
  const model = alsrec.train(dataset, PARAMS, { search: 'none' });  // the file is the point, not the search
  try {
    const file = path.join(work, 'wasm.alsr');
    fs.writeFileSync(file, model.save());
    for (const user of USERS) {
      const native = cliJson('recommend', '--model', file, '--user', user, '-n', '10', '--json');
      assertSameRanking(native.items, model.recommend(user, 10), `recommend user ${user}`);
      // The seen items travel in the file: neither side recommends what the user rated.
      const rated = new Set(dataset.userItems(user).map((e) => e.itemId));
      assert.ok(native.items.every((e) => !rated.has(e.item)), `CLI recommended a rated item to user ${user}`);
    }
  } finally {
    model.delete();
  }
});

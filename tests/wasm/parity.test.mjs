// Parity of the wasm module with the native CLI on ml-latest-small, same parameters and seed:
// evaluate metrics agree within 0.002; a model file written by either loads in the other and ranks the same.
// Skipped (exit 77, which ctest counts as skipped) when the CLI binary or the data does not exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { loadApi, paths } from './harness.mjs';

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
const METRIC_KEYS = {  // CLI JSON key -> RankingMetrics field
  'recall@10': 'recall', 'ndcg@10': 'ndcg', 'precision@10': 'precision', 'map@10': 'map',
  'hit_rate@10': 'hitRate', auc: 'auc', 'coverage@10': 'coverage',
};
const USERS = ['1', '68', '414', '610'];

const alsrec = await loadApi();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'alsrec-parity-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

function cli(...args) {
  const r = spawnSync(paths.cli, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `alsrec ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function cliJson(...args) {
  const out = cli(...args);
  try {
    return JSON.parse(out);
  } catch {
    assert.fail(`${paths.cli} ${args.join(' ')} printed no JSON (an old build of the CLI?): ${out.slice(0, 200)}`);
  }
}

// Same items at every rank, or (floating-point near-ties) the same set with the same scores rank by rank.
function assertSameRanking(native, wasm, what) {
  assert.equal(wasm.length, native.length, `${what}: list length`);
  const nativeIds = native.map((e) => e.item);
  const wasmIds = wasm.map((e) => e.itemId);
  for (let k = 0; k < native.length; ++k) {
    assert.ok(Math.abs(native[k].score - wasm[k].score) <= 1e-4 * Math.max(1, Math.abs(native[k].score)),
      `${what}: score at rank ${k + 1}: native ${native[k].score}, wasm ${wasm[k].score}`);
  }
  if (nativeIds.join() !== wasmIds.join()) {
    assert.deepEqual([...wasmIds].sort(), [...nativeIds].sort(), `${what}: native ${nativeIds} vs wasm ${wasmIds}`);
  }
}

const loadStart = performance.now();
const dataset = alsrec.loadRatings(fs.readFileSync(ratingsPath), { sourceName: 'ratings.csv' });
const loadSeconds = (performance.now() - loadStart) / 1000;
after(() => dataset.delete());

test('evaluate: wasm metrics agree with the native CLI within 0.002', (t) => {
  let start = performance.now();
  const native = cliJson('evaluate', '--input', ratingsPath, '--split', 'temporal:0.2', '--k', '10', ...MODEL_FLAGS, '--json');
  const nativeWall = (performance.now() - start) / 1000;

  start = performance.now();
  const wasm = alsrec.evaluate(dataset, PARAMS, { split: 'temporal:0.2', k: 10 });
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
  for (const [key, field] of Object.entries(METRIC_KEYS)) {
    assert.ok(Math.abs(wasm.metrics[field] - native.metrics[key]) <= 0.002,
      `${key}: native ${native.metrics[key]}, wasm ${wasm.metrics[field]}`);
    // The popularity baseline is counting only: identical up to summation order.
    assert.ok(Math.abs(wasm.baseline.popularity[field] - native.baseline.popularity[key]) <= 1e-9,
      `popularity ${key}: native ${native.baseline.popularity[key]}, wasm ${wasm.baseline.popularity[field]}`);
  }
});

test('evaluate with the subspace solver: wasm metrics agree with the native CLI within 0.002', () => {
  // Block size 16 on 64 factors: four block solves per row and sweep, in the wasm build's 4-lane SIMD kernels.
  const native = cliJson('evaluate', '--input', ratingsPath, '--split', 'temporal:0.2', '--k', '10', ...MODEL_FLAGS,
    '--solver', 'subspace', '--block-size', '16', '--json');
  const wasm = alsrec.evaluate(dataset, { ...PARAMS, solver: 'subspace', blockSize: 16 }, { split: 'temporal:0.2', k: 10 });
  assert.equal(native.params.solver, 'subspace');
  assert.equal(wasm.users, native.users);
  for (const [key, field] of Object.entries(METRIC_KEYS)) {
    assert.ok(Math.abs(wasm.metrics[field] - native.metrics[key]) <= 0.002,
      `${key}: native ${native.metrics[key]}, wasm ${wasm.metrics[field]}`);
  }
});

test('a model written by the CLI loads in wasm: same bytes back, same recommendations', () => {
  const file = path.join(work, 'cli.alsr');
  cli('train', '--input', ratingsPath, '--output', file, ...MODEL_FLAGS);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const model = alsrec.loadModel(bytes, 'cli.alsr');
  try {
    assert.equal(model.numUsers, 610);
    assert.equal(model.factors, 64);
    assert.deepEqual(model.params, { ...alsrec.defaults(), ...PARAMS });
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
  const model = alsrec.train(dataset, PARAMS);
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

// Bad input and bad arguments become AlsrecErrors with the right code and a message that says what and where;
// the module keeps working afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { apiModule, assertAlsrecError, checkerboard, loadApi, utf8 } from './harness.mjs';

const alsrec = await loadApi();
const board = checkerboard();
const FAST = { factors: 2, iterations: 2 };

function withBoard(fn) {
  const dataset = alsrec.loadRatings(utf8(board.text));
  try {
    return fn(dataset);
  } finally {
    dataset.delete();
  }
}

test('garbage bytes are bad_input', () => {
  // Deterministic pseudo-random bytes (a 32-bit LCG), including NULs and high bytes: not a text file.
  const bytes = new Uint8Array(4096);
  let x = 12345;
  for (let i = 0; i < bytes.length; ++i) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    bytes[i] = x >>> 24;
  }
  assertAlsrecError(() => alsrec.loadRatings(bytes, { sourceName: 'noise.bin' }), 'bad_input', /noise\.bin/);
});

test('a bad row in strict mode names its line', () => {
  const text = 'userId,movieId,rating\n1,10,4\n2,10,oops\n3,10,5\n';
  assertAlsrecError(() => alsrec.loadRatings(utf8(text), { sourceName: 'r.csv', strict: true }), 'bad_input', /line 3/);
});

test('too many bad rows is bad_input with an example line number', () => {
  // 2 good rows, 8 rows whose rating is not a number: 80% bad, far over the 5% default.
  const rows = ['userId,movieId,rating', '1,1,4', '2,1,3'];
  for (let k = 0; k < 8; ++k) rows.push(`${k},2,abc`);
  assertAlsrecError(() => alsrec.loadRatings(utf8(rows.join('\n')), { sourceName: 'r.csv' }), 'bad_input', /line \d+/);
  // Raising the limit accepts the file and reports the skipped rows with their lines (4..11).
  const d = alsrec.loadRatings(utf8(rows.join('\n')), { maxBadFraction: 0.9 });
  try {
    const s = d.summary();
    assert.equal(s.skipped, 8);
    assert.deepEqual(s.skippedExamples.map((b) => b.line), [4, 5, 6, 7, 8, 9, 10, 11]);
  } finally {
    d.delete();
  }
});

test('an empty file is bad_input', () => {
  assertAlsrecError(() => alsrec.loadRatings(new Uint8Array(0), { sourceName: 'empty.csv' }), 'bad_input');
});

test('invalid training parameters are invalid_argument', () => {
  withBoard((dataset) => {
    const cases = [
      [{ factors: 0 }, /factors/],
      [{ factors: 'abc' }, /factors must be an integer/],
      [{ factors: 2.5 }, /factors must be an integer/],
      [{ factors: 1e12 }, /factors/],
      [{ regularization: -1 }, /regularization|λ|lambda/i],
      [{ regularization: NaN }, /regularization must be a finite number/],
      [{ alpha: 0 }, /alpha/],
      [{ iterations: -1 }, /iterations/],
      [{ cgSteps: 0 }, /cg/i],
      [{ solver: 'lu' }, /solver must be one of 'cg', 'cholesky'/],
      [{ values: 'square' }, /values must be one of 'raw', 'binary', 'log'/],
      [{ biases: 'yes' }, /biases must be true or false/],
      [{ confidence: 'sometimes' }, /confidence/],
      [{ seed: -1 }, /seed/],
      [{ factor: 8 }, /unknown option 'factor' \(did you mean 'factors'\?\)/],
      ['factors=8', /parameters must be an object/],
    ];
    for (const [params, pattern] of cases) {
      assertAlsrecError(() => alsrec.train(dataset, params), 'invalid_argument', pattern);
    }
    assertAlsrecError(() => alsrec.createExperiment(dataset, FAST, { split: 'bogus:1' }), 'invalid_argument', /bogus/);
    assertAlsrecError(() => alsrec.createExperiment(dataset, FAST, { split: 'temporal:1.5' }), 'invalid_argument');
    assertAlsrecError(() => alsrec.createExperiment(dataset, FAST, { search: 'always' }), 'invalid_argument',
      /search must be one of 'screen', 'auto', 'none'/);
    assertAlsrecError(() => alsrec.createExperiment(dataset, FAST, { baselines: 'popularity,knn' }), 'invalid_argument',
      /unknown baseline 'knn'/);
    assertAlsrecError(() => alsrec.createExperiment(dataset, FAST, { budgetSeconds: -1 }), 'invalid_argument', /budget/);
    assertAlsrecError(() => alsrec.evaluate(dataset, FAST, { split: 'none' }), 'invalid_argument', /split/);
    assertAlsrecError(() => alsrec.evaluate(dataset, FAST, { k: 0 }), 'invalid_argument', /k must be/);
    assertAlsrecError(() => alsrec.evaluate(dataset, FAST, { onProgress: 5 }), 'invalid_argument', /onProgress/);
    assertAlsrecError(() => alsrec.train(dataset, FAST, { onTrial: 'no' }), 'invalid_argument', /onTrial/);
    assertAlsrecError(() => alsrec.train(dataset, FAST, { split: 'random:0.2' }), 'invalid_argument', /evaluate/);
    const experiment = alsrec.createExperiment(dataset, FAST, { search: 'none' });
    try {
      assertAlsrecError(() => experiment.model(), 'invalid_argument', /nothing is fitted/);
      assertAlsrecError(() => experiment.testMetrics(), 'invalid_argument', /no test split/);
      experiment.step();
      assertAlsrecError(() => experiment.evaluate(), 'invalid_argument', /no test split/);
      assertAlsrecError(() => experiment.testMetrics(-1), 'invalid_argument', /maxUsers/);
      assertAlsrecError(() => experiment.evaluateStep(100), 'invalid_argument', /no test split/);
      assertAlsrecError(() => experiment.evaluateStep(-1), 'invalid_argument', /maxUsers/);
    } finally {
      experiment.delete();
    }
  });
});

test('invalid format options and inputs are invalid_argument', () => {
  const bytes = utf8(board.text);
  assertAlsrecError(() => alsrec.loadRatings(bytes, { delimeter: ',' }), 'invalid_argument', /did you mean 'delimiter'/);
  assertAlsrecError(() => alsrec.loadRatings(bytes, { duplicates: 'newest' }), 'invalid_argument', /duplicates/);
  assertAlsrecError(() => alsrec.loadRatings(bytes, { header: 'maybe' }), 'invalid_argument', /header/);
  assertAlsrecError(() => alsrec.loadRatings(bytes, { delimiter: 'xyz' }), 'invalid_argument', /xyz/);
  assertAlsrecError(() => alsrec.loadRatings(bytes, { columns: 'user,banana' }), 'invalid_argument', /banana/);
  assertAlsrecError(() => alsrec.loadRatings('1,2,3\n'), 'invalid_argument', /Uint8Array/);
  assertAlsrecError(() => alsrec.loadModel([1, 2, 3]), 'invalid_argument', /Uint8Array/);
  assertAlsrecError(() => alsrec.generateDemo({ users: -5 }), 'invalid_argument', /users/);
  assertAlsrecError(() => alsrec.generateDemo({ users: 0 }), 'invalid_argument');
});

test('unknown ids are invalid_argument', () => {
  withBoard((dataset) => {
    assertAlsrecError(() => dataset.userItems('nobody'), 'invalid_argument', /nobody/);
    const model = alsrec.train(dataset, FAST);
    try {
      assertAlsrecError(() => model.recommend('nobody'), 'invalid_argument', /user 'nobody'/);
      assertAlsrecError(() => model.similar('nothing'), 'invalid_argument', /item 'nothing'/);
      assertAlsrecError(() => model.explain([], 'nothing'), 'invalid_argument', /nothing/);
      assertAlsrecError(() => model.recommend('1', -1), 'invalid_argument', /n must be/);
      assertAlsrecError(() => model.recommendVector(new Float32Array(3)), 'invalid_argument', /3 values.*2 factors/);
      assertAlsrecError(() => model.foldIn([{ itemId: '1', value: 'five' }]), 'invalid_argument', /value/);
    } finally {
      model.delete();
    }
  });
});

test('corrupted model bytes are bad_input', () => {
  const bytes = withBoard((dataset) => {
    const model = alsrec.train(dataset, FAST);
    try {
      return model.save();
    } finally {
      model.delete();
    }
  });
  const flipped = bytes.slice();
  flipped[Math.floor(flipped.length / 2)] ^= 0x40;
  assertAlsrecError(() => alsrec.loadModel(flipped, 'flipped.alsr'), 'bad_input', /flipped\.alsr.*checksum|checksum.*flipped\.alsr/);
  assertAlsrecError(() => alsrec.loadModel(bytes.subarray(0, bytes.length - 9), 'short.alsr'), 'bad_input', /short\.alsr/);
  assertAlsrecError(() => alsrec.loadModel(utf8('hello, I am not a model'), 'text.alsr'), 'bad_input', /magic/);
  assertAlsrecError(() => alsrec.loadModel(new Uint8Array(0)), 'bad_input');
  // A newer format version is refused with a message that says so (the version follows the magic; the checksum
  // is checked after the version).
  const newer = bytes.slice();
  newer[4] = 99;
  assertAlsrecError(() => alsrec.loadModel(newer, 'newer.alsr'), 'bad_input', /version/);
  // The intact bytes still load.
  alsrec.loadModel(bytes).delete();
});

test('the module keeps working after errors', () => {
  withBoard((dataset) => {
    const model = alsrec.train(dataset, FAST);
    try {
      assert.equal(model.recommend('1', 3).length, 3);
    } finally {
      model.delete();
    }
  });
});

test('a module that cannot be instantiated is load_failed', async () => {
  // The wasm magic and version, then garbage.
  const broken = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff]);
  const quiet = console.warn;
  console.warn = () => {};  // Emscripten prints its own line about the failure
  try {
    await assert.rejects(apiModule.loadAlsrec({ wasmBinary: broken }), (e) => {
      assert.ok(e instanceof apiModule.AlsrecError);
      assert.equal(e.code, 'load_failed');
      assert.match(e.message, /could not load/);
      return true;
    });
  } finally {
    console.warn = quiet;
  }
});

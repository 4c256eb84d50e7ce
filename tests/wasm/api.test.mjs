// The JS API (wasm/alsrec_api.js over the embind module) on fixtures written here.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertAlsrecError, checkerboard, isEven, loadApi, utf8 } from './harness.mjs';

const alsrec = await loadApi();
const board = checkerboard();
// `implicit`'s model on binary values (every pair weighs 1, observed or not), the exact solver, small λ and two factors
// for the two taste groups: the best rank-2 fit of the 0/1 matrix scores each user's withheld item near 0.8 and the
// other parity near 0. (More factors would reconstruct the zeros too.) Every parameter that matters is given.
const BOARD_PARAMS = { confidence: 'implicit', values: 'binary', alpha: 1, factors: 2, regularization: 0.01,
                       regExponent: 0, iterations: 10, solver: 'cholesky', seed: 7 };

// Every given parameter is kept as given.
function assertKept(params, given) {
  for (const [key, value] of Object.entries(given)) assert.equal(params[key], value, key);
}

function withDataset(fn, text = board.text, options = { sourceName: 'board.csv' }) {
  const dataset = alsrec.loadRatings(utf8(text), options);
  try {
    return fn(dataset);
  } finally {
    dataset.delete();
  }
}

function withBoardModel(fn) {
  return withDataset((dataset) => {
    const model = alsrec.train(dataset, BOARD_PARAMS);
    try {
      return fn(model, dataset);
    } finally {
      model.delete();
    }
  });
}

test('module facts; the parameter table is the engine\'s, with its limits and accepted values', () => {
  assert.match(alsrec.version, /^\d+\.\d+\.\d+$/);
  assert.equal(alsrec.simd, true);
  assert.equal(alsrec.threads, 1);
  const byName = Object.fromEntries(alsrec.parameters.map((p) => [p.name, p]));
  assert.deepEqual([byName.factors.min, byName.factors.max, byName.factors.type], [1, 1024, 'integer']);
  assert.equal(byName.unobservedWeight.flag, 'unobserved-weight');
  assert.equal(byName.regularization.type, 'number');
  assert.deepEqual(byName.confidence.choices, ['implicit', 'hu', 'log', 'ials', 'explicit']);
  assert.deepEqual(byName.values.choices, ['raw', 'binary', 'log']);
  assert.equal(byName.biases.type, 'boolean');
  assert.ok(alsrec.parameters.every((p) => p.help.length > 5), 'every parameter has help');
  assert.ok(Object.isFrozen(alsrec.parameters) && Object.isFrozen(byName.factors));
  // The engine checks the limits: one past the table's maximum is refused with the table's numbers.
  withDataset((dataset) => {
    assertAlsrecError(() => dataset.resolve({ factors: byName.factors.max + 1 }), 'invalid_argument',
      new RegExp(`factors must be ${byName.factors.min}\\.\\.${byName.factors.max}, got ${byName.factors.max + 1}`));
    assert.equal(dataset.resolve({ factors: byName.factors.max }).params.factors, byName.factors.max);
  });
});

test('resolve: what the data decides (the value transform of star ratings) and the note saying why', () => {
  withDataset((dataset) => {
    const r = dataset.resolve({});
    assert.equal(r.params.confidence, 'ials');
    assert.equal(r.params.values, 'raw');
    assert.ok(r.notes.some((n) => /^values raw: the values are star ratings \(/.test(n)), r.notes.join(' | '));
    // A given value is never replaced, and no note is written for it.
    const given = dataset.resolve({ values: 'binary', factors: 3 });
    assertKept(given.params, { values: 'binary', factors: 3 });
    assert.ok(!given.notes.some((n) => n.startsWith('values')));
  });
  // Play counts are log-scaled.
  const plays = ['user,item,plays', ...Array.from({ length: 400 }, (_, i) =>
    `u${i % 40},i${i % 97},${i % 3 ? 1 : 1 + ((i * 7919) % 5000)}`)].join('\n');
  withDataset((dataset) => {
    assert.equal(dataset.profile().values.kind, 'counts');
    assert.equal(dataset.resolve({}).params.values, 'log');
  }, plays);
});

test('loadRatings: summary counts, density, histogram, format, bad-row report', () => {
  withDataset((dataset) => {
    const s = dataset.summary();
    // 48 pairs + 1 duplicate + 1 bad row = 50 data rows; 12 users × 4 rated items = 48 interactions.
    assert.equal(s.rows, 50);
    assert.equal(s.interactions, 48);
    assert.equal(s.users, 12);
    assert.equal(s.items, 10);
    assert.equal(s.skipped, 1);
    assert.equal(s.skippedExamples.length, 1);
    assert.equal(s.skippedExamples[0].line, board.badLine);
    assert.match(s.skippedExamples[0].reason, /not-a-number/);
    assert.equal(s.duplicatesMerged, 1);
    assert.equal(s.filtered, 0);
    assert.equal(s.hasRatings, true);
    assert.equal(s.hasTimestamps, true);
    assert.equal(s.density, 48 / (12 * 10));  // 0.4
    assert.equal('ratingHistogram' in s, false, 'the values are binned by the engine\'s profile');
    // The profile: star ratings, with the evidence, and one bin per value counted independently from the fixture.
    const p = dataset.profile();
    assert.equal(p.values.kind, 'stars');
    assert.match(p.values.evidence, /ratings on a 1-5 scale/);
    assert.equal(p.users, 12);
    assert.equal(p.interactions, 48);
    const expected = new Map();
    for (const r of board.ratings.values()) expected.set(r, (expected.get(r) ?? 0) + 1);
    assert.deepEqual(p.values.histogram,
      [...expected.entries()].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ low: value, high: value, count })));
    assert.deepEqual(s.format, {
      delimiter: ',', header: true, encoding: 'utf-8', lineEnding: 'lf',
      columnNames: ['userId', 'movieId', 'rating', 'timestamp'],
      userColumn: 0, itemColumn: 1, ratingColumn: 2, timestampColumn: 3,
    });
    assert.match(s.fingerprint, /^[0-9a-f]{16}$/);

    assert.deepEqual(dataset.userIds(), Array.from({ length: 12 }, (_, k) => String(k + 1)));
    assert.deepEqual([...dataset.itemIds()].sort((a, b) => a - b), Array.from({ length: 10 }, (_, k) => String(k + 1)));
    // User 1's interactions: its 4 items; the duplicated pair carries the later rating 4.5.
    const items = dataset.userItems('1');
    assert.deepEqual(items.map((e) => e.itemId).sort(), board.seen.get(1).map(String).sort());
    for (const e of items) {
      assert.equal(e.value, board.ratings.get(`1,${e.itemId}`));
    }
    const untouched = items.find((e) => e.itemId === String(board.seen.get(1)[1]));
    assert.equal(untouched.timestamp, 1000 + Number(untouched.itemId));
    // Numbers are accepted as ids.
    assert.equal(dataset.userItems(2).length, 4);
    // Every user has 4 items; each item is liked by the 6 users of its parity minus those who withheld it.
    assert.deepEqual([...dataset.userCounts()], new Array(12).fill(4));
    const withheldCount = (item) => [...board.withheld.values()].filter((w) => w === item).length;
    assert.deepEqual([...dataset.itemCounts()], dataset.itemIds().map((id) => 6 - withheldCount(Number(id))));
  });
});

test('the same data in another dialect loads to the same dataset', () => {
  const original = withDataset((d) => d.summary());
  // Tab-separated, no header, columns given as item,user,rating,timestamp; the bad row dropped.
  const rows = board.text.trim().split('\n').slice(1, -1).map((l) => l.split(','));
  const tsv = rows.map(([u, i, r, t]) => [i, u, r, t].join('\t')).join('\r\n') + '\r\n';
  const s = withDataset((d) => d.summary(), tsv, { header: false, columns: 'item,user,rating,timestamp' });
  assert.equal(s.format.delimiter, '\t');
  assert.equal(s.format.header, false);
  assert.equal(s.format.lineEnding, 'crlf');
  assert.equal(s.format.userColumn, 1);
  assert.equal(s.format.itemColumn, 0);
  assert.equal(s.interactions, original.interactions);
  assert.equal(s.skipped, 0);
  assert.equal(s.fingerprint, original.fingerprint);

  const sniffed = alsrec.sniffFormat(utf8(tsv));
  assert.equal(sniffed.delimiter, '\t');
  assert.equal(sniffed.header, false);
});

test('minRating filters rows and duplicates policy applies', () => {
  withDataset((d) => {
    const s = d.summary();
    const kept = [...board.ratings.values()].filter((r) => r >= 4).length;
    assert.equal(s.interactions, kept);
    // 48 ratings kept after de-duplication are all counted against minRating except the superseded one.
    assert.ok(s.filtered > 0);
  }, board.text, { minRating: 4 });
  withDataset((d) => {
    const first = d.userItems('1').find((e) => e.itemId === String(board.seen.get(1)[0]));
    assert.equal(first.value, (1 + board.seen.get(1)[0]) % 5 + 1);  // 'first' keeps the original rating
  }, board.text, { duplicates: 'first' });
});

test('loadItems reads a movies.csv-style catalogue with quoted titles', () => {
  const items = alsrec.loadItems(utf8('movieId,title,genres\n1,"Toy Story, The (1995)",Animation|Comedy\n2,Heat (1995),Action\n'));
  assert.deepEqual(items, [
    { id: '1', title: 'Toy Story, The (1995)', genres: 'Animation|Comedy' },
    { id: '2', title: 'Heat (1995)', genres: 'Action' },
  ]);
});

test('train: recommend leaves out seen items and finds each user\'s withheld item', () => {
  withBoardModel((model) => {
    assert.equal(model.factors, 2);
    assert.equal(model.numUsers, 12);
    assert.equal(model.numItems, 10);
    assertKept(model.params, BOARD_PARAMS);
    assert.equal(model.hasSeenItems, true);
    for (let u = 1; u <= 12; ++u) {
      const recs = model.recommend(String(u), 10);
      assert.equal(recs.length, 6, 'all 10 items minus the 4 seen');
      const seen = new Set(board.seen.get(u).map(String));
      for (const r of recs) assert.ok(!seen.has(r.itemId), `user ${u} was recommended seen item ${r.itemId}`);
      assert.equal(recs[0].itemId, String(board.withheld.get(u)), `user ${u}'s top item`);
      for (let k = 1; k < recs.length; ++k) assert.ok(recs[k - 1].score >= recs[k].score);
      assert.equal(recs[0].index, model.itemIds().indexOf(recs[0].itemId));
      // Without exclusion every item is ranked, the seen ones of the user's own parity first.
      const all = model.recommend(String(u), 10, { excludeSeen: false });
      assert.equal(all.length, 10);
      assert.ok(all.slice(0, 5).every((r) => isEven(r.itemId) === (u % 2 === 0)));
    }
    assert.equal(model.recommend('3', 2).length, 2);

    // All users at once gives each user's own list.
    const all = model.recommendAll(3);
    assert.equal(all.offsets.length, 13);
    const ids = model.itemIds();
    model.userIds().forEach((user, u) => {
      const mine = [];
      for (let j = all.offsets[u]; j < all.offsets[u + 1]; ++j) mine.push({ itemId: ids[all.items[j]], score: all.scores[j] });
      assert.deepEqual(mine.map((e) => e.itemId), model.recommend(user, 3).map((e) => e.itemId), `user ${user}`);
    });
  });
});

test('similar items share the parity of the query item', () => {
  withBoardModel((model) => {
    for (const item of ['2', '7']) {
      const sims = model.similar(item, 4);
      assert.equal(sims.length, 4);
      assert.ok(sims.every((s) => s.itemId !== item));
      assert.ok(sims.every((s) => isEven(s.itemId) === isEven(item)), JSON.stringify(sims));
      assert.ok(sims[0].score > 0.9 && sims[0].score <= 1.0001);
    }
  });
});

test('foldIn, recommendVector and explain for a new user', () => {
  withBoardModel((model) => {
    const ratings = [{ itemId: '2', value: 5 }, { itemId: '4', value: 3 }, { itemId: 'unknown', value: 5 }];
    const x = model.foldIn(ratings);
    assert.ok(x instanceof Float32Array);
    assert.equal(x.length, 2);
    const recs = model.recommendVector(x, 3, ['2', '4']);
    assert.equal(recs.length, 3);
    assert.ok(recs.every((r) => isEven(r.itemId) && r.itemId !== '2' && r.itemId !== '4'), JSON.stringify(recs));
    // Plain arrays work as vectors too.
    assert.deepEqual(model.recommendVector(Array.from(x), 3, ['2', '4']), recs);

    const why = model.explain([{ itemId: '2', value: 1 }, { itemId: '4', value: 1 }, { itemId: '5', value: 1 }], '8', 3);
    assert.equal(why.length, 3);
    assert.deepEqual(why.map((c) => c.itemId).sort(), ['2', '4', '5']);
    for (let k = 1; k < why.length; ++k) assert.ok(why[k - 1].score >= why[k].score);
    assert.equal(why[2].itemId, '5', 'the odd item contributes least to an even item');

    // The folded-in vector of a known user's items recommends like that user's own row.
    const u = 4;
    const own = model.foldIn(board.seen.get(u).map((i) => ({ itemId: String(i), value: 1 })));
    const top = model.recommendVector(own, 1, board.seen.get(u).map(String));
    assert.equal(top[0].itemId, String(board.withheld.get(u)));
  });
});

test('save -> loadModel round trip: same bytes, same factors, same recommendations', () => {
  withBoardModel((model) => {
    const bytes = model.save();
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes.subarray(0, 4)], [...utf8('ALSR')]);
    const loaded = alsrec.loadModel(bytes, 'board.alsr');
    try {
      assert.deepEqual(loaded.save(), bytes);
      assert.deepEqual(loaded.params, model.params);
      assert.deepEqual(loaded.userIds(), model.userIds());
      assert.deepEqual(loaded.itemIds(), model.itemIds());
      assert.deepEqual(loaded.userFactors(), model.userFactors());
      assert.deepEqual(loaded.itemFactors(), model.itemFactors());
      assert.equal(loaded.userFactors().length, 12 * 2);
      assert.equal(loaded.hasSeenItems, true);
      for (let u = 1; u <= 12; ++u) assert.deepEqual(loaded.recommend(String(u), 5), model.recommend(String(u), 5));
      assert.equal(loaded.info().iterationsDone, 10);
    } finally {
      loaded.delete();
    }
    // A copy of the factors: writing to it changes nothing inside.
    const f = model.itemFactors();
    f.fill(0);
    assert.notDeepEqual(model.itemFactors(), f);
  });
});

test('popularity-weighted unobserved pairs: the model file carries the item weights that fold-in needs', () => {
  // Item 1 is everyone's, item 8 one user's in eight: their weights c_i differ, so fold-in depends on them.
  const lines = ['user,item,rating'];
  for (let u = 1; u <= 40; ++u) {
    for (let i = 1; i <= 1 + (u % 8); ++i) lines.push(`${u},${i},1`);
    lines.push(`${u},${10 + (u % 5)},1`);
  }
  withDataset((dataset) => {
    const params = { confidence: 'ials', values: 'binary', factors: 3, unobservedWeight: 0.2, regularization: 0.01,
                     regExponent: 1, popularityExponent: 0.5, iterations: 5, solver: 'cholesky', seed: 3 };
    const model = alsrec.train(dataset, params);
    const plain = alsrec.train(dataset, { ...params, popularityExponent: 0 });
    try {
      assert.equal(model.params.popularityExponent, 0.5);
      const bytes = model.save();
      assert.equal(bytes[4], 2, 'format version 2: with item weights');
      assert.equal(plain.save()[4], 1, 'without them: version 1');
      const loaded = alsrec.loadModel(bytes, 'omega.alsr');
      try {
        assert.equal(loaded.params.popularityExponent, 0.5);
        const ratings = [{ itemId: '1', value: 1 }, { itemId: '7', value: 1 }, { itemId: '12', value: 1 }];
        const x = model.foldIn(ratings);
        assert.deepEqual(loaded.foldIn(ratings), x);
        assert.notDeepEqual(plain.foldIn(ratings), x);
      } finally {
        loaded.delete();
      }
    } finally {
      model.delete();
      plain.delete();
    }
  }, lines.join('\n') + '\n', { sourceName: 'skewed.csv' });
});

test('attachSeen gives a model the interactions of a dataset', () => {
  withBoardModel((model, dataset) => {
    const bytes = model.save();
    const loaded = alsrec.loadModel(bytes);
    try {
      loaded.attachSeen(dataset);
      assert.deepEqual(loaded.recommend('5', 6), model.recommend('5', 6));
    } finally {
      loaded.delete();
    }
  });
});

test('train reports progress each iteration and onProgress returning false cancels', () => {
  withDataset((dataset) => {
    const seen = [];
    const model = alsrec.train(dataset, { ...BOARD_PARAMS, iterations: 4 }, (p) => { seen.push(p); });
    model.delete();
    assert.deepEqual(seen.map((p) => [p.iteration, p.iterations, p.done]), [[1, 4, false], [2, 4, false], [3, 4, false], [4, 4, true]]);
    assert.ok(seen.every((p) => Number.isFinite(p.loss) && p.seconds >= 0 && p.elapsed >= p.seconds));
    // The exact solver never increases the loss.
    for (let k = 1; k < seen.length; ++k) assert.ok(seen[k].loss <= seen[k - 1].loss + 1e-9);

    let calls = 0;
    assertAlsrecError(() => alsrec.train(dataset, BOARD_PARAMS, () => ++calls < 2), 'cancelled', /after iteration 2 of 10/);
    assert.equal(calls, 2);
  });
});

test('evaluate with a split reports metrics and the popularity baseline', () => {
  withDataset((dataset) => {
    const progress = [];
    // random:0.25 holds out ⌊0.25·4⌋ = 1 pair per user, picked by a seeded shuffle. (leave-last would hold out the
    // highest item id of every user here, leaving items 9 and 10 almost untrained.)
    const r = alsrec.evaluate(dataset, BOARD_PARAMS, { split: 'random:0.25', k: 1, onProgress: (p) => { progress.push(p.iteration); } });
    assert.equal(progress.length, 10);
    assert.equal(r.users, 12);  // every user keeps 3 train items and 1 test item
    assert.equal(r.metrics.k, 1);
    assert.equal(r.metrics.users, 12);
    // Ranges, and the identity that holds with one test item per user.
    for (const m of [r.metrics, r.baseline.popularity]) {
      for (const key of ['recall', 'precision', 'ndcg', 'map', 'hitRate', 'auc', 'coverage']) {
        assert.ok(m[key] >= 0 && m[key] <= 1, `${key} = ${m[key]}`);
      }
      assert.equal(m.recall, m.hitRate);  // one test item per user: recall@k = hit rate
    }
    // Each user's test item competes with 6 unseen items, 5 of them of the other parity, which score ≈ 0 below it:
    // AUC ≥ 5/6 per user (plus the coin-flip against the withheld item of its own parity).
    assert.ok(r.metrics.auc >= 5 / 6 - 1e-9, `auc ${r.metrics.auc}`);
    assert.ok(r.fitSeconds >= 0);
    assertKept(r.params, BOARD_PARAMS);
    assert.equal(r.search, null, 'implicit has no alpha0 to screen');
  });
});

test('an Experiment steps one iteration at a time and scores between steps', () => {
  withDataset((dataset) => {
    const experiment = alsrec.createExperiment(dataset, { ...BOARD_PARAMS, iterations: 3 }, { split: 'leave-last:1' });
    try {
      assert.equal(experiment.searching, false);
      assert.equal(experiment.iteration, 0);
      assert.equal(experiment.iterations, 3);
      assert.equal(experiment.done, false);
      assert.equal(experiment.hasTest, true);
      assert.equal(experiment.trainInteractions + experiment.testInteractions, 48);
      assert.equal(experiment.testInteractions, 12);
      const recalls = [];
      while (!experiment.done) {
        const p = experiment.step();
        assert.equal(p.iteration, experiment.iteration);
        recalls.push(experiment.testMetrics().recall);
      }
      assert.equal(recalls.length, 3);
      const report = experiment.evaluate();
      assert.equal(report.model.users, 12);
      assert.equal(report.model.recall, recalls[2]);
      assert.equal(report.baselines.popularity.users, 12);
      assert.equal(report.baselines.ease, undefined);
      const model = experiment.model();
      try {
        assert.equal(model.numUsers, 12);
        assert.equal(model.info().iterationsDone, 3);
      } finally {
        model.delete();
      }
      assertAlsrecError(() => experiment.step(), 'invalid_argument', /complete/);
    } finally {
      experiment.delete();
    }
  });
});

test('testMetrics(maxUsers) scores a fixed sample of held-out users; with all of them it is testMetrics()', () => {
  withDataset((dataset) => {
    const experiment = alsrec.createExperiment(dataset, { ...BOARD_PARAMS, iterations: 2 }, { split: 'leave-last:1', k: 1 });
    try {
      experiment.step();
      const all = experiment.testMetrics();
      assert.equal(all.k, 1);
      assert.deepEqual(experiment.testMetrics(1000), all);
      const few = experiment.testMetrics(5);
      assert.equal(few.users, 5);
      assert.deepEqual(experiment.testMetrics(5), few, 'the same users every time');
      assert.deepEqual(experiment.testMetrics(12), all);
    } finally {
      experiment.delete();
    }
  });
});

test('evaluateStep ranks the test users a slice at a time; evaluate() then gives the one-call metrics', () => {
  // 2,999 users with held-out items: 3 blocks of ≤ 1024.
  const text = `user,item\n${Array.from({ length: 60000 }, (_, i) => `u${i % 2999},i${(i * 7) % 499}`).join('\n')}\n`;
  withDataset((dataset) => {
    const params = { factors: 8, iterations: 2 };
    const options = { split: 'random:0.2', search: 'none' };
    const whole = alsrec.createExperiment(dataset, params, options);
    const sliced = alsrec.createExperiment(dataset, params, options);
    try {
      while (!whole.done) whole.step();
      while (!sliced.done) sliced.step();
      const steps = [];
      let p;
      do {
        p = sliced.evaluateStep(1);  // one block of users per call
        steps.push(p.usersDone);
      } while (!p.done);
      assert.equal(steps.length, 3, `steps ${steps}`);
      assert.ok(steps.every((d, i) => i === 0 || d > steps[i - 1]), `steps ${steps}`);
      assert.equal(p.usersDone, p.users);
      const a = whole.evaluate();
      const b = sliced.evaluate();
      assert.equal(a.model.users, p.users);
      assert.ok(a.model.recall > 0);
      assert.deepEqual(b.model, a.model);
    } finally {
      whole.delete();
      sliced.delete();
    }
  }, text);
});

test('preview splits the first records as loadRatings does; loadRatings reports progress per chunk', () => {
  const text = 'user\titem\tplays\n1\t"Weird Al" Yankovic\t13883\n2\t"Quoted\tWhole"\t7\n';
  const p = alsrec.preview(utf8(text), {}, 2);
  assert.equal(p.format.delimiter, '\t');
  assert.deepEqual(p.rows, [['user', 'item', 'plays'], ['1', '"Weird Al" Yankovic', '13883']]);
  withDataset((dataset) => assert.deepEqual(dataset.itemIds(), ['"Weird Al" Yankovic', 'Quoted\tWhole']), text);
  const big = `user,item\n${Array.from({ length: 150000 }, (_, i) => `u${i % 977},i${i % 499}`).join('\n')}\n`;
  const seen = [];
  const dataset = alsrec.loadRatings(utf8(big), {}, (q) => seen.push(q));
  dataset.delete();
  assert.ok(seen.length >= 2, `${seen.length} progress calls`);
  assert.deepEqual(seen.at(-1), { bytesDone: utf8(big).length, bytesTotal: utf8(big).length });
  assert.ok(seen.every((q, i) => i === 0 || q.bytesDone > seen[i - 1].bytesDone));
});

test('choices lists the values each choice parameter accepts, from the table', () => {
  assert.deepEqual(alsrec.choices.values, ['raw', 'binary', 'log']);
  assert.ok(alsrec.choices.confidence.includes('ials') && alsrec.choices.confidence.includes('explicit'));
  assert.deepEqual(alsrec.choices.solver, alsrec.parameters.find((p) => p.name === 'solver').choices);
  assert.ok(alsrec.choices.solver.includes('cg') && alsrec.choices.solver.includes('cholesky'));
  assert.equal(alsrec.choices.biases, undefined, 'a switch is not a menu');
});

test('generateDemo is deterministic by seed and loads back to the same dataset', () => {
  const opts = { users: 300, items: 400, interactions: 60000, seed: 5 };
  const a = alsrec.generateDemo(opts);
  const b = alsrec.generateDemo(opts);
  const c = alsrec.generateDemo({ ...opts, seed: 6 });
  try {
    assert.deepEqual(a.ratingsCsv, b.ratingsCsv);
    assert.deepEqual(a.itemsCsv, b.itemsCsv);
    assert.deepEqual(a.items, b.items);
    assert.notDeepEqual(a.ratingsCsv, c.ratingsCsv);
    const s = a.dataset.summary();
    assert.equal(s.users, 300);
    assert.ok(s.items <= 400 && s.items > 300);
    assert.equal(s.interactions, 60000);
    assert.equal(a.items.length, 400);
    assert.ok(a.items.every((it) => it.id && it.title.length > 0));
    assert.equal(s.fingerprint, b.dataset.summary().fingerprint);
    // The CSV is > 1 MiB, so this also loads it in several chunks.
    assert.ok(a.ratingsCsv.length > (1 << 20), `${a.ratingsCsv.length} bytes`);
    const back = alsrec.loadRatings(a.ratingsCsv, { sourceName: 'demo.csv' });
    try {
      assert.equal(back.summary().fingerprint, s.fingerprint);
      assert.equal(back.summary().interactions, 60000);
    } finally {
      back.delete();
    }
    const items = alsrec.loadItems(a.itemsCsv);
    assert.deepEqual(items, a.items);
  } finally {
    for (const g of [a, b, c]) g.dataset.delete();
  }
});

test('handles: delete is idempotent and use after delete is a clear error', () => {
  const dataset = alsrec.loadRatings(utf8(board.text));
  const model = alsrec.train(dataset, { ...BOARD_PARAMS, iterations: 1 });
  dataset.delete();
  dataset.delete();
  assert.equal(dataset.deleted, true);
  assertAlsrecError(() => dataset.summary(), 'invalid_argument', /deleted/);
  assertAlsrecError(() => alsrec.train(dataset), 'invalid_argument', /deleted/);
  // The model owns its data: it still works after its dataset is gone.
  assert.equal(model.recommend('1', 1).length, 1);
  model.delete();
  assertAlsrecError(() => model.recommend('1'), 'invalid_argument', /deleted/);
});

test('every member declared in alsrec.d.ts exists in the implementation', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { apiModule, paths } = await import('./harness.mjs');
  const dts = fs.readFileSync(path.join(paths.site, 'alsrec.d.ts'), 'utf8');
  const block = (kind, name) => {
    const m = dts.match(new RegExp(`export ${kind} ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`));
    assert.ok(m, `${kind} ${name} in alsrec.d.ts`);
    // Collapse parameter lists (nested, multi-line) to `()`, then take the member name at the start of each
    // declaration line: `name(`, `name?(`, `readonly name:`.
    let body = m[1];
    while (/\([^()]*\)/.test(body)) body = body.replace(/\([^()]*\)/g, '<>');
    body = body.replace(/<>/g, '()');
    return [...body.matchAll(/^\s*(?:readonly\s+)?([A-Za-z_]\w*)\??\s*[(:]/gm)].map((x) => x[1]);
  };
  for (const cls of ['Dataset', 'Experiment', 'Model']) {
    for (const member of block('class', cls)) {
      assert.ok(member in apiModule[cls].prototype, `${cls}.${member} is declared but not implemented`);
    }
  }
  for (const member of block('interface', 'Alsrec')) assert.ok(member in alsrec, `Alsrec.${member}`);
  assert.equal(typeof apiModule.loadAlsrec, 'function');
  assert.ok(new apiModule.AlsrecError('bad_input', 'x') instanceof Error);
});

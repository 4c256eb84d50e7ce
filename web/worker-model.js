// Worker handlers for training and for what a model answers: recommendations, similar items, fold-in with
// "because you liked", the model file, and every user's top-n as CSV.
import { ErrorCode, Reply, Request } from './protocol.js';
import { fail, readFile, since, yieldToEventLoop } from './engine.js';
import { embedding } from './pca.js';
import { ctx, modelCatalogue, modelItemCounts, modelMatchesData, modelStatus, modelTitles, notWhileTraining, post,
         requireData, requireModel } from './worker-state.js';

const K = 10;
// Recall@K during training is measured on a fixed sample of held-out users, and only after iterations where that
// keeps its total time within EVAL_SHARE of the training time so far; the results table then uses every held-out
// user once, at the end. The sample size comes from timing CALIBRATION_USERS users after the first iteration (the
// one fixed cost beyond the share).
const EVAL_SHARE = 0.25;
const CALIBRATION_USERS = 8;

function modelInfo() {
  const m = ctx.model.model;
  return { factors: m.factors, users: m.numUsers, items: m.numItems, params: m.params, source: ctx.model.source,
           hasSeenItems: m.hasSeenItems, ...modelStatus() };
}

/** A model file without the interactions it was trained on takes them from its own data (matched by ids). */
export function syncModelWithData() {
  const m = ctx.model?.model;
  if (m && !m.hasSeenItems && modelMatchesData()) m.attachSeen(ctx.data.dataset);
}

/** Install a new model; the old one is deleted only now, so a failure anywhere before keeps it. */
export function installModel(model, source) {
  let bytes;
  try {
    bytes = model.save();
  } catch (error) {
    model.delete();
    throw error;
  }
  const old = ctx.model;
  ctx.model = { model, bytes, source, fingerprint: model.info().datasetFingerprint, titles: null, titlesName: '' };
  old?.model.delete();
  syncModelWithData();
  const titles = modelTitles();
  const map = embedding(model, modelItemCounts(), (id) => titles.get(id) || '');
  const cat = modelCatalogue();
  return { payload: { model: modelInfo(), users: model.userIds(), embedding: map.payload, catalogue: cat.payload },
           transfer: [...map.transfer, ...cat.transfer] };
}

const withTitles = (list) => {
  const titles = modelTitles();
  return list.map((r) => ({ itemId: r.itemId, title: titles.get(r.itemId) || '', score: r.score }));
};

/**
 * Steps a trainer to its end, posting progress; with `sampled`, measures Recall@K on a user sample within the
 * EVAL_SHARE budget. Returns {history, trainSeconds, evalSeconds, sampleUsers}.
 */
async function fit(trainer, { id, phase, label, stepsBefore, stepsTotal, sampled, start, checkLoss }) {
  const history = [];
  let trainSeconds = 0, evalSeconds = 0, perUser = 0, sampleUsers = 0, calibrated = false;
  while (!trainer.done) {
    await yieldToEventLoop();
    if (ctx.cancelRequested) fail(ErrorCode.CANCELLED, 'Training cancelled; the previous model is kept.');
    const t0 = performance.now();
    const step = trainer.step();
    const stepSeconds = since(t0);
    trainSeconds += stepSeconds;
    if (checkLoss && !Number.isFinite(step.loss)) {
      fail(ErrorCode.NUMERICAL, `Training diverged: the loss became ${step.loss} at iteration ${step.iteration}.`);
    }
    let recall = null;
    if (sampled) {
      if (!calibrated) {  // seconds per evaluated user, then the sample a quarter of a step can afford
        calibrated = true;
        let t1 = performance.now();
        trainer.evaluateSample(K, 1);  // the first call also draws the sample (and warms up): time the next one
        evalSeconds += since(t1);
        t1 = performance.now();
        const m = trainer.evaluateSample(K, CALIBRATION_USERS);
        evalSeconds += since(t1);
        perUser = since(t1) / Math.max(1, m.users);
        sampleUsers = m.users && Math.max(CALIBRATION_USERS,
                                          Math.floor((EVAL_SHARE * stepSeconds) / Math.max(perUser, 1e-9)));
      }
      if (sampleUsers && evalSeconds + perUser * sampleUsers <= EVAL_SHARE * trainSeconds) {
        const t1 = performance.now();
        const m = trainer.evaluateSample(K, sampleUsers);
        evalSeconds += since(t1);
        perUser = since(t1) / Math.max(1, m.users);
        sampleUsers = Math.min(sampleUsers, m.users);
        recall = m.recall;
      }
    }
    const point = { iteration: step.iteration, loss: step.loss, recall };
    history.push(point);
    const done = stepsBefore + step.iteration;
    const elapsed = since(start);
    post({ type: Reply.PROGRESS, id, phase, ...point, iterations: step.iterations, done, total: stepsTotal, elapsed,
           sampleUsers, secondsLeft: (elapsed / done) * (stepsTotal - done),
           text: `${label}: iteration ${step.iteration} of ${step.iterations}` });
  }
  return { history, trainSeconds, evalSeconds, sampleUsers };
}

export const modelHandlers = {
  // With evaluate: fit on the hold-out split's train part (Recall@K on a sample as it goes), measure on every
  // held-out user, then fit again on all the ratings: the model shown and downloaded is the full-data one.
  async [Request.TRAIN]({ id, params = {}, evaluate = true }) {
    notWhileTraining();
    const data = requireData();
    const api = ctx.api;
    const split = evaluate ? (data.summary.hasTimestamps ? 'temporal:0.2' : 'random:0.2') : 'none';
    const iterations = api.defaults(params.confidence).iterations;
    const stepsTotal = (params.iterations ?? iterations) * (evaluate ? 2 : 1);
    const checkLoss = params.computeLoss !== false;
    const say = (phase, text) => post({ type: Reply.PROGRESS, id, phase, text, done: null, total: stepsTotal });
    ctx.training = true;
    ctx.cancelRequested = false;
    const start = performance.now();
    const timing = { setupSeconds: 0, trainSeconds: 0, evalSeconds: 0, finalEvalSeconds: 0, refitSeconds: 0 };
    let metrics = null, history = [], sampleUsers = 0, model = null;
    try {
      if (evaluate) {
        say('prepare', `Holding out ${split.startsWith('temporal') ? 'each user’s latest' : 'a random'} 20% and ` +
            'building the user × item matrices…');
        await yieldToEventLoop();
        let t0 = performance.now();
        const trainer = api.createTrainer(data.dataset, params, { split, splitSeed: params.seed ?? 42 });
        timing.setupSeconds += since(t0);
        try {
          const fitted = await fit(trainer, { id, phase: 'fit', label: 'Training on 80%', stepsBefore: 0, stepsTotal,
                                              sampled: true, start, checkLoss });
          ({ history, sampleUsers } = fitted);
          Object.assign(timing, { trainSeconds: fitted.trainSeconds, evalSeconds: fitted.evalSeconds });
          say('evaluate', 'Measuring Recall@10 and friends on every held-out user, and the popularity baseline…');
          await yieldToEventLoop();
          t0 = performance.now();
          metrics = { split, k: K, als: trainer.evaluate(K), popularity: trainer.popularity(K), sampleUsers };
          timing.finalEvalSeconds = since(t0);
        } finally {
          trainer.delete();
        }
      }
      say('prepare', evaluate ? 'Building the matrices of all the ratings for the final model…'
        : 'Building the user × item matrices…');
      await yieldToEventLoop();
      let t0 = performance.now();
      const full = api.createTrainer(data.dataset, params, { split: 'none' });
      timing.setupSeconds += since(t0);
      try {
        const fitted = await fit(full, { id, phase: evaluate ? 'refit' : 'fit',
                                         label: evaluate ? 'Training on all ratings' : 'Training',
                                         stepsBefore: evaluate ? stepsTotal / 2 : 0, stepsTotal, sampled: false,
                                         start, checkLoss });
        if (evaluate) {
          timing.refitSeconds = fitted.trainSeconds;
        } else {
          history = fitted.history;
          timing.trainSeconds = fitted.trainSeconds;
        }
        say('results', 'Preparing the results: map of items, lists…');
        await yieldToEventLoop();
        model = full.model();
      } finally {
        full.delete();
      }
      t0 = performance.now();
      const installed = installModel(model, `trained in this tab on ${data.source.name}`);
      model = null;
      // The model keeps the titles of the data it came with, even when other ratings are loaded later.
      Object.assign(ctx.model, { titles: data.titles, titlesName: data.titlesName });
      timing.installSeconds = since(t0);
      timing.totalSeconds = since(start);
      timing.iterations = history.length;
      return { payload: { ...installed.payload, metrics, history, split, sampleUsers, timing,
                          interactions: data.summary.interactions },
               transfer: installed.transfer };
    } finally {
      model?.delete();
      ctx.training = false;
      ctx.cancelRequested = false;
    }
  },

  async [Request.RECOMMEND]({ userId, n = K }) {
    const { model } = requireModel();
    // The model leaves out what the user interacted with in its training data (saved with it, or taken from the
    // loaded ratings when they are its data).
    const items = withTitles(model.recommend(userId, n, { excludeSeen: true }));
    if (!modelMatchesData()) return { payload: { userId, items, rated: null, ratedCount: 0 } };
    const titles = modelTitles();
    let rated;
    try {
      rated = ctx.data.dataset.userItems(userId);
    } catch {
      rated = [];
    }
    const ratedList = rated.map((r) => ({ itemId: r.itemId, title: titles.get(r.itemId) || '', value: r.value,
                                          timestamp: r.timestamp }))
      .sort((a, b) => b.value - a.value || b.timestamp - a.timestamp);
    return { payload: { userId, items, rated: ratedList.slice(0, 50), ratedCount: ratedList.length } };
  },

  async [Request.SIMILAR]({ itemId, n = K }) {
    const { model } = requireModel();
    const list = model.similar(itemId, n + 1).filter((r) => r.itemId !== itemId).slice(0, n);
    return { payload: { itemId, title: modelTitles().get(itemId) || '', items: withTitles(list) } };
  },

  // likes: [{itemId, value}] (what the page counts as liking, in the model's value scale); exclude: every item
  // the person rated. Each recommendation names the liked item that adds most to its score (explain).
  async [Request.FOLD_IN]({ likes = [], exclude = [], n = K }) {
    const { model } = requireModel();
    if (!likes.length) return { payload: { items: [] } };
    const vector = model.foldIn(likes);
    const titles = modelTitles();
    const items = withTitles(model.recommendVector(vector, n, exclude)).map((item) => {
      const top = model.explain(likes, item.itemId, 1)[0];
      const because = top && top.score > 0 ? { itemId: top.itemId, title: titles.get(top.itemId) || '' } : null;
      return { ...item, because };
    });
    return { payload: { items } };
  },

  async [Request.SAVE_MODEL]() {
    const bytes = requireModel().model.save().slice();
    return { payload: { bytes, source: ctx.model.source }, transfer: [bytes.buffer] };
  },

  async [Request.LOAD_MODEL]({ file }) {
    notWhileTraining();
    const bytes = await readFile(file);
    return installModel(ctx.api.loadModel(bytes, file.name), file.name);
  },

  // Every user's top-n in one engine call (recommendAll), then the CSV text.
  async [Request.EXPORT_RECOMMENDATIONS]({ id, n = K }) {
    const { model } = requireModel();
    const users = model.userIds();
    const items = model.itemIds();
    const titles = modelTitles();
    const all = model.recommendAll(n, { excludeSeen: true });
    const quote = (s) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = ['userId,rank,itemId,score,title'];
    for (let u = 0; u < users.length; u++) {
      const userId = quote(users[u]);
      for (let j = all.offsets[u]; j < all.offsets[u + 1]; j++) {
        const itemId = items[all.items[j]];
        lines.push(`${userId},${j - all.offsets[u] + 1},${quote(itemId)},${all.scores[j].toFixed(6)},` +
                   quote(titles.get(itemId) || ''));
      }
      if (u % 5000 === 4999) post({ type: Reply.PROGRESS, id, done: u + 1, total: users.length });
    }
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
    return { payload: { bytes, users: users.length }, transfer: [bytes.buffer] };
  },
};

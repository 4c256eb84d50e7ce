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
// The final evaluation ranks the held-out users in slices of about this many seconds, with progress and Cancel
// between them (one call took 286 s on a Book-Crossing-sized catalogue, with nothing moving and no way to stop it).
const EVAL_SLICE_SECONDS = 0.3;
// EASE (the items × items reference model) is offered when its two matrices fit in this much of the tab's memory.
export const EASE_MAX_BYTES = 1024 ** 3;

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

/** A search trial as the page's tables show it. */
const trialRow = (t) => ({ stage: t.stage, confidence: t.params.confidence, values: t.params.values,
                           factors: t.params.factors, unobservedWeight: t.params.unobservedWeight,
                           popularityExponent: t.params.popularityExponent,
                           alpha: t.params.alpha, regularization: t.params.regularization,
                           regExponent: t.params.regExponent, iterations: t.params.iterations, ndcg: t.ndcg,
                           recall: t.recall, objective: t.objective, seconds: t.seconds, failed: t.failed });

const SEARCH_WORDS = { screen: 'Screening α₀ and λ', auto: 'Auto search' };

/**
 * The experiment's search (the default screen, or the auto search within its budget), a trial per engine call:
 * progress after each, and a requested cancel honoured between trials. Returns the search's summary or null.
 */
async function runSearch(experiment, { id, mode }) {
  let trials = 0;
  while (experiment.searching) {
    await yieldToEventLoop();
    if (ctx.cancelRequested) {
      fail(ErrorCode.CANCELLED, `${SEARCH_WORDS[mode]} cancelled after ${trials} trials; the previous model is kept.`);
    }
    const p = experiment.searchStep();
    if (p.trialsDone === trials) continue;  // a step that only ended the plan
    trials = p.trialsDone;
    post({ type: Reply.PROGRESS, id, phase: 'search', mode, trialsDone: trials, elapsed: p.elapsed, budget: p.budget,
           trial: trialRow(p.last), best: trialRow(p.best), done: null,
           text: `${SEARCH_WORDS[mode]} on a validation split of the training part: trial ${trials}` });
  }
  const r = experiment.searchResult();
  return r && { mode, trials: r.trials.map(trialRow), best: r.best, seconds: r.seconds,
                budgetExhausted: r.budgetExhausted, validationInteractions: r.validationInteractions };
}

/**
 * Steps an experiment to its end, posting progress; with `sampled`, measures Recall@K on a user sample within the
 * EVAL_SHARE budget. Returns {history, trainSeconds, evalSeconds, sampleUsers}.
 */
async function fit(experiment, { id, phase, label, stepsBefore, stepsTotal, sampled, start, checkLoss }) {
  const history = [];
  let trainSeconds = 0, evalSeconds = 0, perUser = 0, sampleUsers = 0, calibrated = false;
  while (!experiment.done) {
    await yieldToEventLoop();
    if (ctx.cancelRequested) fail(ErrorCode.CANCELLED, 'Training cancelled; the previous model is kept.');
    const step = experiment.step();
    trainSeconds += step.seconds;
    if (checkLoss && !Number.isFinite(step.loss)) {
      fail(ErrorCode.NUMERICAL, `Training diverged: the loss became ${step.loss} at iteration ${step.iteration}.`);
    }
    let recall = null;
    if (sampled) {
      if (!calibrated) {  // seconds per evaluated user, then the sample a quarter of a step can afford
        calibrated = true;
        let t1 = performance.now();
        experiment.testMetrics(1);  // the first call also draws a sample (and warms up): time the next one
        evalSeconds += since(t1);
        t1 = performance.now();
        const m = experiment.testMetrics(CALIBRATION_USERS);
        evalSeconds += since(t1);
        perUser = since(t1) / Math.max(1, m.users);
        sampleUsers = m.users && Math.max(CALIBRATION_USERS,
                                          Math.floor((EVAL_SHARE * step.seconds) / Math.max(perUser, 1e-9)));
      }
      if (sampleUsers && evalSeconds + perUser * sampleUsers <= EVAL_SHARE * trainSeconds) {
        const t1 = performance.now();
        const m = experiment.testMetrics(sampleUsers);
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

/**
 * Ranks every held-out user a slice at a time (posting progress, honouring Cancel between slices), then returns
 * the engine's report: the model's metrics and the baselines (popularity at once; EASE in one call).
 */
async function evaluateAll(experiment, { id, text, baselinesText, start }) {
  let slice = 256, done = 0, p;
  do {
    await yieldToEventLoop();
    if (ctx.cancelRequested) fail(ErrorCode.CANCELLED, 'Evaluation cancelled; the previous model is kept.');
    const t0 = performance.now();
    p = experiment.evaluateStep(slice);
    const perUser = since(t0) / Math.max(1, p.usersDone - done);
    done = p.usersDone;
    slice = Math.max(64, Math.min(1 << 20, Math.round(EVAL_SLICE_SECONDS / Math.max(perUser, 1e-9))));
    post({ type: Reply.PROGRESS, id, phase: 'evaluate', done, total: Math.max(p.users, 1), elapsed: since(start),
           secondsLeft: perUser * (p.users - done), text: `${text}: ${done} of ${p.users} held-out users ranked` });
  } while (!p.done);
  post({ type: Reply.PROGRESS, id, phase: 'evaluate', text: baselinesText, done: null });
  await yieldToEventLoop();
  if (ctx.cancelRequested) fail(ErrorCode.CANCELLED, 'Evaluation cancelled; the previous model is kept.');
  return experiment.evaluate();
}

/** A new experiment over the loaded data, timed into `timing.setupSeconds` (split, profile, matrices). */
function createExperiment(data, params, options, timing) {
  const t0 = performance.now();
  const experiment = ctx.api.createExperiment(data.dataset, params, { k: K, ...options });
  timing.setupSeconds += since(t0);
  return experiment;
}

export const modelHandlers = {
  // The core's Experiment does the work: options from the data (given ones kept), the search (the default screen
  // of α₀ and λ, or the auto search), the fit. With evaluate: on the hold-out split's train part (Recall@K on a
  // sample as it goes), measured on every held-out user beside popularity (and EASE when asked), then fitted again
  // on all the ratings with the options chosen: the model shown and downloaded is the full-data one.
  async [Request.TRAIN]({ id, params = {}, evaluate = true, search = 'screen', budgetSeconds = 0, ease = false }) {
    notWhileTraining();
    const data = requireData();
    const split = evaluate ? (data.summary.hasTimestamps ? 'temporal:0.2' : 'random:0.2') : 'none';
    const say = (phase, text) => post({ type: Reply.PROGRESS, id, phase, text, done: null });
    ctx.training = true;
    ctx.cancelRequested = false;
    const start = performance.now();
    const timing = { setupSeconds: 0, searchSeconds: 0, trainSeconds: 0, evalSeconds: 0, finalEvalSeconds: 0,
                     refitSeconds: 0 };
    let metrics = null, history = [], sampleUsers = 0, model = null, searched = null, notes = [], chosen = null;
    try {
      say('prepare', evaluate ? `Holding out ${split.startsWith('temporal') ? 'each user’s latest' : 'a random'} ` +
        '20%, reading the data’s profile and building the user × item matrices…'
        : 'Reading the data’s profile and building the user × item matrices…');
      await yieldToEventLoop();
      const experiment = createExperiment(data, params, {
        split, search, budgetSeconds, baselines: evaluate ? (ease ? 'popularity,ease' : 'popularity') : 'none',
        easeMaxBytes: EASE_MAX_BYTES }, timing);
      try {
        post({ type: Reply.PROGRESS, id, phase: 'notes', notes: experiment.notes, done: null });
        let t0 = performance.now();
        searched = await runSearch(experiment, { id, mode: search });
        timing.searchSeconds = since(t0);
        chosen = experiment.params;
        notes = experiment.notes;
        const stepsTotal = chosen.iterations * (evaluate ? 2 : 1);
        const fitted = await fit(experiment, { id, phase: 'fit', label: evaluate ? 'Training on 80%' : 'Training',
                                               stepsBefore: 0, stepsTotal, sampled: evaluate, start,
                                               checkLoss: true });
        ({ history, sampleUsers } = fitted);
        Object.assign(timing, { trainSeconds: fitted.trainSeconds, evalSeconds: fitted.evalSeconds });
        if (evaluate) {
          t0 = performance.now();
          const report = await evaluateAll(experiment, {
            id, start, text: 'Measuring Recall@10 and friends on every held-out user',
            baselinesText: `Scoring the popularity baseline${ease ? ' and EASE (an items × items model: its λ is ' +
              'chosen on a validation split first; Cancel takes effect once it is done)' : ''}…` });
          metrics = { split, k: K, als: report.model, popularity: report.baselines.popularity,
                      ease: report.baselines.ease ?? null, sampleUsers };
          timing.finalEvalSeconds = since(t0);
        } else {
          model = experiment.model();
        }
      } finally {
        experiment.delete();
      }
      if (evaluate) {
        // The options the search chose on the training part, all given: the full-data fit repeats no search.
        say('prepare', 'Building the matrices of all the ratings for the final model…');
        await yieldToEventLoop();
        const full = createExperiment(data, chosen, { split: 'none', search: 'none', baselines: 'none' }, timing);
        try {
          const fitted = await fit(full, { id, phase: 'refit', label: 'Training on all ratings',
                                           stepsBefore: chosen.iterations, stepsTotal: 2 * chosen.iterations,
                                           sampled: false, start, checkLoss: true });
          timing.refitSeconds = fitted.trainSeconds;
          model = full.model();
        } finally {
          full.delete();
        }
      }
      say('results', 'Preparing the results: map of items, lists…');
      await yieldToEventLoop();
      const t0 = performance.now();
      const installed = installModel(model, `trained in this tab on ${data.source.name}`);
      model = null;
      // The model keeps the titles of the data it came with, even when other ratings are loaded later.
      Object.assign(ctx.model, { titles: data.titles, titlesName: data.titlesName });
      timing.installSeconds = since(t0);
      timing.totalSeconds = since(start);
      timing.iterations = history.length;
      return { payload: { ...installed.payload, metrics, history, split, sampleUsers, timing, notes, search: searched,
                          requested: params, interactions: data.summary.interactions },
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

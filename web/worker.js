// The worker owns the wasm module (through alsrec_api.js) and every embind object; the page only sees plain data.
// All replies follow protocol.js. Arrays leave the worker as copies (memory growth detaches heap views) and big
// ones travel in the transfer list.
import { ErrorCode, ProtocolError, Reply, Request, toErrorPayload } from './protocol.js';

const MAX_FILE_BYTES = 1.5 * 1024 ** 3;  // wasm32 memory is capped near 2 GiB; the parsed data needs room too
const PREVIEW_BYTES = 64 * 1024;
const PREVIEW_ROWS = 8;
const MAP_POINTS = 2500;                 // items plotted on the embedding map (the most rated ones)
const COUNT_LIMIT = 3_000_000;           // count item popularity only for datasets up to this many interactions
const K = 10;

let api = null;
let apiModule = null;
const state = {
  source: null,        // {file} | {bytes, name}: where the current dataset came from (re-load with overrides)
  options: {},         // the FormatOptions of the current dataset
  dataset: null,
  summary: null,
  preview: null,
  items: new Map(),    // item id → {title, genres}
  itemsName: '',
  itemCounts: null,    // Map item id → interactions, when cheap enough to count
  model: null,
  modelBytes: null,    // the last good model's file bytes: survives a crashed module
  modelSource: '',
  training: false,
  cancelRequested: false,
};

const post = (message, transfer = []) => self.postMessage(message, transfer);
const fail = (code, message) => { throw new ProtocolError(code, message); };

// --- module lifecycle ------------------------------------------------------------------------------------------

async function startModule() {
  apiModule = apiModule || (await import('./alsrec_api.js'));
  // The threaded build when the page is cross-origin isolated (SharedArrayBuffer), else the single-threaded one.
  api = await apiModule.loadAlsrec({ threads: 'auto' });
  return api;
}

const ready = startModule().then(
  () => post({ type: Reply.READY, id: null, version: api.version, simd: api.simd, threads: api.threads,
               defaults: api.defaults(),
               modeDefaults: Object.fromEntries(['ials', 'implicit', 'hu'].map((m) => [m, api.defaults(m)])) }),
  (error) => {
    api = null;
    const details = String(error?.message || error).replace(/\.?\s*Build with -s ASSERTIONS=1 for more info\.*/g, '');
    post({ type: Reply.ERROR, id: null, code: ErrorCode.LOAD_FAILED,
           message: 'The recommender engine (WebAssembly) could not be loaded, so nothing can be trained in this ' +
                    'tab. Reload the page; if this keeps happening, the browser may block WebAssembly or the site ' +
                    `is missing alsrec.js / alsrec.wasm. (Details: ${details})` });
  });

/** A wasm trap or abort leaves the module unusable: start a fresh one and restore what we can. */
function isFatal(error) {
  if (error instanceof ProtocolError) return false;
  if (apiModule && error instanceof apiModule.AlsrecError) {
    // The API reports a trapped or out-of-memory module as 'internal' and asks for a reload.
    return error.code === 'internal' && /out of memory|module stopped|reload to continue/i.test(error.message);
  }
  return error instanceof WebAssembly.RuntimeError || error instanceof RangeError ||
         /abort|out of memory|OOM|memory access/i.test(String(error?.message || error));
}

async function recoverModule() {
  state.dataset = null;  // its memory belonged to the dead module
  state.model = null;
  state.training = false;
  await startModule();
  if (state.modelBytes) {
    try { state.model = api.loadModel(state.modelBytes, state.modelSource); } catch { state.modelBytes = null; }
  }
  if (state.source) {
    try { await loadSource(state.source, state.options); } catch { state.source = null; state.summary = null; }
  }
}

// --- helpers -----------------------------------------------------------------------------------------------------

/** Let queued messages (a cancel) run before the next long synchronous call. */
const yieldToEventLoop = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(null);
});

const title = (itemId) => state.items.get(itemId)?.title || '';
const requireDataset = () => state.dataset || fail(ErrorCode.NO_DATA, 'Load a ratings file or the demo data first.');
const requireModel = () => state.model || fail(ErrorCode.NO_MODEL, 'Train a model (or load a model file) first.');
const notWhileTraining = () => {
  if (state.training) fail(ErrorCode.BUSY, 'Training is running: wait for it to finish or press Cancel first.');
};

async function readFile(file) {
  if (file.size > MAX_FILE_BYTES) {
    fail(ErrorCode.TOO_LARGE, `${file.name} is ${(file.size / 1024 ** 3).toFixed(1)} GB: too large for a browser tab ` +
         '(WebAssembly memory stops near 2 GB). Use a sample of it here, or the alsrec command-line tool.');
  }
  try {
    return new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    fail(ErrorCode.IO_ERROR, `${file.name} could not be read (${error?.message || error}). Pick it again.`);
  }
}

function splitRow(line, delimiter) {
  if (delimiter === 'whitespace' || delimiter === ' ') return line.trim().split(/\s+/);
  if (delimiter === 'tab' || delimiter === '\\t') delimiter = '\t';
  if (delimiter !== ',' && delimiter !== ';') return line.split(delimiter);
  const cells = [];  // RFC 4180-ish: quotes protect delimiters, "" is a quote
  let cell = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) { cells.push(cell); cell = ''; } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** The first rows of the file as the detected format splits them (what the user checks before training). */
function makePreview(bytes, format) {
  const encoding = /latin|8859|1252/i.test(format.encoding) ? 'windows-1252' : 'utf-8';
  const text = new TextDecoder(encoding).decode(bytes.subarray(0, PREVIEW_BYTES)).replace(/^\uFEFF/, '');
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, PREVIEW_ROWS + 1);
  return { lines, rows: lines.map((l) => splitRow(l, format.delimiter)) };
}

function countItems(dataset, summary) {
  if (summary.interactions > COUNT_LIMIT) return null;
  const counts = new Map();
  for (const userId of dataset.userIds()) {
    for (const { itemId } of dataset.userItems(userId)) counts.set(itemId, (counts.get(itemId) || 0) + 1);
  }
  return counts;
}

/** The item list the page searches: ids, titles and popularity (−1 when not counted). */
function catalogue() {
  const ids = state.dataset ? state.dataset.itemIds() : state.model ? state.model.itemIds() : [];
  const titles = ids.map(title);
  const counts = new Int32Array(ids.length).fill(-1);
  if (state.itemCounts) ids.forEach((id, i) => { counts[i] = state.itemCounts.get(id) || 0; });
  return { payload: { ids, titles, counts, itemsName: state.itemsName, titled: titles.filter(Boolean).length },
           transfer: [counts.buffer] };
}

function dataPayload(extra = {}) {
  const cat = catalogue();
  return {
    payload: { summary: state.summary, preview: state.preview, sourceName: sourceName(state.source),
               users: state.dataset ? state.dataset.userIds() : [], catalogue: cat.payload, ...extra },
    transfer: cat.transfer,
  };
}

const sourceName = (source) => (source ? source.file?.name || source.name : '');

async function loadSource(source, options) {
  const t0 = performance.now();
  const bytes = source.bytes || (await readFile(source.file));
  const t1 = performance.now();
  const dataset = api.loadRatings(bytes, { ...options, sourceName: sourceName(source) });
  const t2 = performance.now();
  let summary;
  try {
    summary = dataset.summary();
  } catch (error) {
    dataset.delete();
    throw error;
  }
  state.dataset?.delete();
  Object.assign(state, { dataset, summary, source, options, preview: makePreview(bytes, summary.format) });
  state.itemCounts = countItems(dataset, summary);
  return { bytes: bytes.length, readSeconds: (t1 - t0) / 1000, parseSeconds: (t2 - t1) / 1000 };
}

/** A file that did not load still gets its detected format and first rows, so the page can offer a correction. */
async function withFormatDetail(error, source, options) {
  if (isFatal(error) || !(error?.code === 'bad_input' || error?.code === 'invalid_argument')) return error;
  try {
    const head = source.bytes ? source.bytes.subarray(0, PREVIEW_BYTES)
      : new Uint8Array(await source.file.slice(0, PREVIEW_BYTES).arrayBuffer());
    let format;
    try {
      format = api.sniffFormat(head, options);
    } catch {
      format = api.sniffFormat(head, {});  // the overrides themselves may be what is wrong
    }
    const detail = { sourceName: sourceName(source), format, preview: makePreview(head, format) };
    return new ProtocolError(error.code, error.message, detail);
  } catch {
    return error;
  }
}

// --- PCA of item factors for the 2-D map ----------------------------------------------------------------------

/** Top-2 principal axes of the rows of F (n × k) by power iteration on the k × k covariance. */
function pca2(F, n, k) {
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j] += F[i * k + j];
  for (let j = 0; j < k; j++) mean[j] /= Math.max(n, 1);
  const C = new Float64Array(k * k);  // C = Σ (f−μ)(f−μ)ᵀ, upper triangle then mirrored
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) row[j] = F[i * k + j] - mean[j];
    for (let a = 0; a < k; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < k; b++) C[a * k + b] += ra * row[b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) C[a * k + b] = C[b * k + a];
  const axes = [];
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(k).map((_, j) => 1 + ((j * 7919 + c * 104729) % 13) / 13);  // deterministic start
    for (let it = 0; it < 100; it++) {
      const w = new Float64Array(k);
      for (let a = 0; a < k; a++) { let s = 0; for (let b = 0; b < k; b++) s += C[a * k + b] * v[b]; w[a] = s; }
      for (const u of axes) {  // deflate: stay orthogonal to the axes already found
        const d = w.reduce((s, x, j) => s + x * u[j], 0);
        for (let j = 0; j < k; j++) w[j] -= d * u[j];
      }
      const norm = Math.hypot(...w);
      if (!(norm > 0)) break;
      v = w.map((x) => x / norm);
    }
    axes.push(v);
  }
  return { mean, axes };
}

function embedding(model) {
  const n = model.numItems, k = model.factors;
  const F = model.itemFactors();
  const ids = model.itemIds();
  const { mean, axes } = pca2(F, n, k);
  let order = ids.map((_, i) => i);
  const counts = state.itemCounts;
  if (counts) order.sort((a, b) => (counts.get(ids[b]) || 0) - (counts.get(ids[a]) || 0));
  order = order.slice(0, MAP_POINTS);
  const x = new Float32Array(order.length), y = new Float32Array(order.length);
  order.forEach((i, p) => {
    let sx = 0, sy = 0;
    for (let j = 0; j < k; j++) { const d = F[i * k + j] - mean[j]; sx += d * axes[0][j]; sy += d * axes[1][j]; }
    x[p] = sx; y[p] = sy;
  });
  const pointIds = order.map((i) => ids[i]);
  return { payload: { ids: pointIds, titles: pointIds.map(title), x, y,
                      counts: counts ? pointIds.map((id) => counts.get(id) || 0) : null },
           transfer: [x.buffer, y.buffer] };
}

function modelInfo(model) {
  return { factors: model.factors, users: model.numUsers, items: model.numItems, params: model.params,
           source: state.modelSource };
}

/** Install a new model; the old one is deleted only now, so a failure anywhere before keeps it. */
function installModel(model, sourceLabel) {
  const bytes = model.save();
  state.model?.delete();
  state.model = model;
  state.modelBytes = bytes;
  state.modelSource = sourceLabel;
  const map = embedding(model);
  return { payload: { model: modelInfo(model), users: model.userIds(), embedding: map.payload,
                      catalogue: catalogue().payload }, transfer: map.transfer };
}

const withTitles = (list) => list.map((r) => ({ itemId: r.itemId, title: title(r.itemId), score: r.score }));

function ratedBy(userId) {
  if (!state.dataset) return [];
  try {
    return state.dataset.userItems(userId);
  } catch {
    return [];  // a user the loaded data does not know (e.g. a model from another file)
  }
}

// --- handlers ----------------------------------------------------------------------------------------------------

const handlers = {
  async [Request.GENERATE_DEMO]({ options = {} }) {
    notWhileTraining();
    const demo = api.generateDemo({ users: 1000, items: 1700, interactions: 100000, seed: 42, ...options });
    let timing;
    try {
      // Load it back from its CSV text so that the demo follows the same path as a dropped file.
      timing = await loadSource({ bytes: demo.ratingsCsv, name: 'demo-ratings.csv' }, {});
    } finally {
      demo.dataset.delete();
    }
    state.items = new Map(demo.items.map((it) => [it.id, { title: it.title, genres: it.genres }]));
    state.itemsName = 'demo-items.csv';
    return dataPayload({ timing, demo: true });
  },

  async [Request.LOAD]({ file, options = {} }) {
    notWhileTraining();
    const source = file ? { file } : state.source || fail(ErrorCode.NO_DATA, 'Pick a ratings file first.');
    let timing;
    try {
      timing = await loadSource(source, options);
    } catch (error) {
      throw await withFormatDetail(error, source, options);
    }
    if (file && state.itemsName.startsWith('demo-')) { state.items = new Map(); state.itemsName = ''; }
    return dataPayload({ timing });
  },

  async [Request.SUMMARY]() {
    requireDataset();
    return dataPayload();
  },

  async [Request.LOAD_ITEMS]({ file }) {
    const bytes = await readFile(file);
    const list = api.loadItems(bytes, { sourceName: file.name });
    if (!list.length) fail(ErrorCode.BAD_INPUT, `${file.name} has no items (expected id, title, genres per line).`);
    state.items = new Map(list.map((it) => [it.id, { title: it.title, genres: it.genres }]));
    state.itemsName = file.name;
    const cat = catalogue();
    return { payload: { count: list.length, catalogue: cat.payload }, transfer: cat.transfer };
  },

  async [Request.TRAIN]({ id, params = {}, evaluate = true }) {
    notWhileTraining();
    const dataset = requireDataset();
    const split = evaluate ? (state.summary.hasTimestamps ? 'temporal:0.2' : 'random:0.2') : 'none';
    state.training = true;
    state.cancelRequested = false;
    let trainer = null, model = null;
    try {
      const start = performance.now();
      trainer = api.createTrainer(dataset, params, { split, splitSeed: params.seed ?? 42 });
      const setupSeconds = (performance.now() - start) / 1000;
      let trainSeconds = 0, evalSeconds = 0;
      const history = [];
      while (!trainer.done) {
        await yieldToEventLoop();
        if (state.cancelRequested) fail(ErrorCode.CANCELLED, 'Training cancelled; the previous model is kept.');
        const t0 = performance.now();
        const step = trainer.step();
        trainSeconds += (performance.now() - t0) / 1000;
        if (params.computeLoss !== false && !Number.isFinite(step.loss)) {
          fail(ErrorCode.NUMERICAL, `Training diverged: the loss became ${step.loss} at iteration ${step.iteration}.`);
        }
        let recall = null;
        if (evaluate) {
          const t1 = performance.now();
          recall = trainer.evaluate(K).recall;
          evalSeconds += (performance.now() - t1) / 1000;
        }
        const point = { iteration: step.iteration, loss: step.loss, recall, seconds: trainSeconds };
        history.push(point);
        const perIteration = (performance.now() - start) / 1000 / step.iteration;
        post({ type: Reply.PROGRESS, id, ...point, iterations: step.iterations,
               elapsed: (performance.now() - start) / 1000,
               secondsLeft: perIteration * (step.iterations - step.iteration) });
      }
      let metrics = null;
      if (evaluate) {
        metrics = { split, k: K, als: trainer.evaluate(K), popularity: trainer.popularity(K) };
      }
      model = trainer.model();
      const installed = installModel(model, `trained in this tab on ${sourceName(state.source)}`);
      model = null;
      return { payload: { ...installed.payload, metrics, history, split,
                          timing: { setupSeconds, trainSeconds, evalSeconds,
                                    totalSeconds: (performance.now() - start) / 1000,
                                    iterations: history.length } },
               transfer: installed.transfer };
    } finally {
      model?.delete();
      trainer?.delete();
      state.training = false;
      state.cancelRequested = false;
    }
  },

  // Synchronous inside the module (bounded by the budget): progress is posted from its callback; cancel cannot
  // interrupt it, so the page disables Cancel while tuning.
  async [Request.TUNE]({ id, params = {}, budgetSeconds = 20 }) {
    notWhileTraining();
    const dataset = requireDataset();
    const split = state.summary.hasTimestamps ? 'temporal:0.2' : 'random:0.2';
    state.training = true;
    try {
      const result = api.tune(dataset, {
        split, k: K, budgetSeconds, params,
        onProgress: (p) => post({ type: Reply.PROGRESS, id, trialsDone: p.trialsDone, elapsed: p.elapsed,
                                  budget: p.budget, best: p.best.objective, factors: p.last.params.factors }),
      });
      const t = result.tuning;
      return { payload: { params: t.params, trials: t.trials.length, validation: t.trials[t.best].objective,
                          metrics: result.metrics, popularity: result.baseline.popularity } };
    } finally {
      state.training = false;
    }
  },

  async [Request.RECOMMEND]({ userId, n = K }) {
    const model = requireModel();
    const rated = ratedBy(userId);
    const ratedIds = new Set(rated.map((r) => r.itemId));
    // The model excludes what it was trained on; also leave out anything else this user rated (a held-out split).
    const list = model.recommend(userId, n + ratedIds.size, { excludeSeen: true })
      .filter((r) => !ratedIds.has(r.itemId)).slice(0, n);
    const ratedList = rated
      .map((r) => ({ itemId: r.itemId, title: title(r.itemId), value: r.value, timestamp: r.timestamp }))
      .sort((a, b) => b.value - a.value || b.timestamp - a.timestamp);
    return { payload: { userId, items: withTitles(list), rated: ratedList.slice(0, 50), ratedCount: ratedList.length } };
  },

  async [Request.SIMILAR]({ itemId, n = K }) {
    const model = requireModel();
    const list = model.similar(itemId, n + 1).filter((r) => r.itemId !== itemId).slice(0, n);
    return { payload: { itemId, title: title(itemId), items: withTitles(list) } };
  },

  async [Request.FOLD_IN]({ ratings = [], n = K }) {
    const model = requireModel();
    // A model trained on binary values learned who rated what, not how many stars: there, a rating of 3 or more
    // means "liked" (value 1) and lower ratings are left out rather than counted as likes.
    const liked = ratings.filter((r) => r.value >= 3);
    const used = model.params.values === 'binary' ? liked.map((r) => ({ itemId: r.itemId, value: 1 })) : ratings;
    if (!used.length) return { payload: { items: [], note: 'Rate at least one item 3 stars or more.' } };
    const vector = model.foldIn(used);
    const list = model.recommendVector(vector, n, ratings.map((r) => r.itemId));
    const items = withTitles(list).map((item) => {
      let because = null;
      if (liked.length) {
        try {
          const top = model.explain(used.filter((r) => liked.some((l) => l.itemId === r.itemId)), item.itemId, 1)[0];
          if (top && top.score > 0) because = { itemId: top.itemId, title: title(top.itemId) };
        } catch { /* explain is optional: the list stands without it */ }
      }
      return { ...item, because };
    });
    return { payload: { items } };
  },

  async [Request.EXPLAIN]({ ratings = [], itemId, n = 3 }) {
    const model = requireModel();
    return { payload: { itemId, contributions: withTitles(model.explain(ratings, itemId, n)) } };
  },

  async [Request.SAVE_MODEL]() {
    const bytes = requireModel().save().slice();
    return { payload: { bytes }, transfer: [bytes.buffer] };
  },

  async [Request.LOAD_MODEL]({ file }) {
    notWhileTraining();
    const bytes = await readFile(file);
    const model = api.loadModel(bytes, file.name);
    try {
      return installModel(model, file.name);
    } catch (error) {
      if (state.model !== model) model.delete();
      throw error;
    }
  },

  async [Request.EXPORT_RECOMMENDATIONS]({ id, n = K }) {
    const model = requireModel();
    const users = model.userIds();
    const quote = (s) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = ['userId,rank,itemId,score,title'];
    for (let u = 0; u < users.length; u++) {
      const userId = users[u];
      const rated = new Set(ratedBy(userId).map((r) => r.itemId));
      const list = model.recommend(userId, n + rated.size, { excludeSeen: true })
        .filter((r) => !rated.has(r.itemId)).slice(0, n);
      list.forEach((r, rank) => lines.push(
        `${quote(userId)},${rank + 1},${quote(r.itemId)},${r.score.toFixed(6)},${quote(title(r.itemId))}`));
      if (u % 500 === 499) {
        post({ type: Reply.PROGRESS, id, done: u + 1, total: users.length });
        await yieldToEventLoop();
      }
    }
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
    return { payload: { bytes, users: users.length }, transfer: [bytes.buffer] };
  },
};

self.onmessage = async (event) => {
  const message = event.data || {};
  const { type, id } = message;
  if (type === Request.CANCEL) {
    state.cancelRequested = state.training;
    post({ type: Reply.RESULT, id, cancelling: state.training });
    return;
  }
  const handler = handlers[type];
  if (!handler) {
    post({ type: Reply.ERROR, id, code: ErrorCode.INVALID_ARGUMENT, message: `unknown request '${type}'` });
    return;
  }
  await ready;
  if (!api) {
    post({ type: Reply.ERROR, id, code: ErrorCode.LOAD_FAILED,
           message: 'The recommender engine (WebAssembly) is not loaded; reload the page.' });
    return;
  }
  try {
    const { payload = {}, transfer = [] } = (await handler(message)) || {};
    post({ type: Reply.RESULT, id, ...payload }, transfer);
  } catch (error) {
    if (isFatal(error)) {
      let restored = '';
      try {
        await recoverModule();
        restored = state.model ? ' The previous model was restored.' : '';
      } catch {
        api = null;
      }
      post({ type: Reply.ERROR, id, code: ErrorCode.OUT_OF_MEMORY,
             message: `The engine ran out of memory or failed (${error?.message || error}). ` +
                      `The data may be too large for this tab.${restored}`, recovered: Boolean(api) });
      return;
    }
    post({ type: Reply.ERROR, id, ...toErrorPayload(error) });
  }
};

// alsrec JavaScript API: the friendly layer over the embind module (alsrec.js + alsrec.wasm). Types: alsrec.d.ts.
//
// What this layer adds over the raw bindings is JS-specific only: loading the module, typed arrays, checking the
// types of what JS passes (names and limits come from the engine's parameter table, `api.parameters`), every core
// Status turned into an AlsrecError with .code, loops with progress callbacks that can cancel, and ownership: each
// wrapper owns exactly one embind handle and frees it in delete(); intermediate handles are freed here
// (try/finally), never leaked. Defaults, splits, searches, fits and baselines are the core's (its Experiment).

export class AlsrecError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'AlsrecError';
    this.code = code;
  }
}

// Index = the core's StatusCode value (core/include/alsrec/status.h).
const STATUS_CODES = ['ok', 'invalid_argument', 'bad_input', 'numerical', 'internal', 'cancelled', 'io_error'];
const CHUNK_BYTES = 1 << 20;  // ratings are fed to the streaming reader 1 MiB at a time
const RAW = Symbol('alsrec.raw');

const invalid = (message) => new AlsrecError('invalid_argument', message);

function describe(v) {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : (v.constructor?.name ?? 'an object');
}

// A crash inside the module (out of memory, a bug) surfaces as a WebAssembly.RuntimeError or an embind error;
// give it a code and words. After an abort the module is unusable: say so.
function asAlsrecError(e) {
  if (e instanceof AlsrecError) return e;
  const text = String(e?.message ?? e);
  if (/OOM|out of memory|Cannot enlarge memory|bad_alloc/i.test(text)) {
    return new AlsrecError('internal', 'out of memory: the data does not fit in the WebAssembly memory available to this ' +
      'tab (at most 4 GB); try a smaller file. Reload to continue.');
  }
  if (e instanceof WebAssembly.RuntimeError) {
    return new AlsrecError('internal', `the WebAssembly module stopped (${text}); reload to continue`);
  }
  return new AlsrecError('internal', text);
}

// Calls a binding that returns {ok, value} | {ok: false, code, message}.
function run(fn) {
  let result;
  try {
    result = fn();
  } catch (e) {
    throw asAlsrecError(e);
  }
  if (result.ok) return result.value;
  throw new AlsrecError(STATUS_CODES[result.code] ?? 'internal', result.message);
}

// Calls a binding that cannot fail except by crashing.
function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw asAlsrecError(e);
  }
}

// ---- option checking ---------------------------------------------------------------------------------------

const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const KINDS = {
  integer: [(v) => Number.isInteger(v) && Math.abs(v) <= INT32_MAX, 'an integer'],
  count: [(v) => Number.isInteger(v) && v >= 0 && v <= UINT32_MAX, 'a whole number ≥ 0'],
  bigcount: [(v) => Number.isSafeInteger(v) && v >= 0, 'a whole number ≥ 0'],
  number: [(v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'],
  boolean: [(v) => typeof v === 'boolean', 'true or false'],
  string: [(v) => typeof v === 'string', 'a string'],
  header: [(v) => typeof v === 'boolean' || v === 'auto', "true, false or 'auto'"],
  nullableNumber: [(v) => v === null || (typeof v === 'number' && Number.isFinite(v)), 'a finite number or null'],
  callback: [(v) => v === null || typeof v === 'function', 'a function'],
  object: [(v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'an object'],
};

const FORMAT_OPTIONS = {
  sourceName: 'string', delimiter: 'string', header: 'header', encoding: 'string', columns: 'string',
  duplicates: ['last', 'first', 'sum', 'max'], minRating: 'nullableNumber', strict: 'boolean', maxBadFraction: 'number',
};
const GENERATE_OPTIONS = {
  users: 'count', items: 'count', interactions: 'bigcount', groups: 'count', zipfExponent: 'number', seed: 'bigcount',
};
// What an experiment does besides the model: the split, the search before fitting, the baselines.
const EXPERIMENT_OPTIONS = {
  split: 'string', k: 'integer', search: ['screen', 'auto', 'none'], budgetSeconds: 'number', maxTrials: 'count',
  objective: ['ndcg', 'recall'], baselines: 'string', easeMaxBytes: 'bigcount',
};
const RUN_CALLBACKS = { onProgress: 'callback', onTrial: 'callback' };

function editDistance(a, b) {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; ++i) {
    let diag = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; ++j) {
      const up = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return d[b.length];
}

// Checks `given` against `specs` and returns only the keys that were set (undefined means "default").
function checkOptions(what, given, specs) {
  if (given === undefined || given === null) return {};
  if (typeof given !== 'object' || Array.isArray(given)) throw invalid(`${what} must be an object (got ${describe(given)})`);
  const out = {};
  for (const [key, value] of Object.entries(given)) {
    const spec = specs[key];
    if (spec === undefined) {
      const near = Object.keys(specs).filter((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
      throw invalid(`${what}: unknown option '${key}'` + (near.length ? ` (did you mean '${near[0]}'?)` :
        ` (known: ${Object.keys(specs).join(', ')})`));
    }
    if (value === undefined) continue;
    if (Array.isArray(spec)) {
      if (!spec.includes(value)) throw invalid(`${what}: ${key} must be one of ${spec.map((s) => `'${s}'`).join(', ')} (got ${describe(value)})`);
    } else {
      const [ok, words] = KINDS[spec];
      if (!ok(value)) throw invalid(`${what}: ${key} must be ${words} (got ${describe(value)})`);
    }
    out[key] = value;
  }
  return out;
}

function formatOptions(options) {
  const f = checkOptions('format options', options, FORMAT_OPTIONS);
  if ('header' in f) f.header = f.header === 'auto' ? -1 : (f.header ? 1 : 0);
  return f;
}

function asBytes(bytes, what) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw invalid(`${what} must be a Uint8Array or an ArrayBuffer (got ${describe(bytes)})`);
}

function asId(id, what) {
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw invalid(`${what} must be a string id (got ${describe(id)})`);
}

function asCount(n, what) {
  if (!Number.isInteger(n) || n < 0 || n > INT32_MAX) throw invalid(`${what} must be a whole number ≥ 0 (got ${describe(n)})`);
  return n;
}

function asK(k) {
  if (!Number.isInteger(k) || k < 1 || k > INT32_MAX) throw invalid(`k must be a whole number ≥ 1 (got ${describe(k)})`);
  return k;
}

// [{itemId, value}] -> parallel arrays for the bindings.
function ratingsArrays(ratings) {
  if (!Array.isArray(ratings)) throw invalid(`ratings must be an array of {itemId, value} (got ${describe(ratings)})`);
  const ids = new Array(ratings.length);
  const values = new Float32Array(ratings.length);
  ratings.forEach((r, i) => {
    if (r === null || typeof r !== 'object') throw invalid(`ratings[${i}] must be an object {itemId, value}`);
    ids[i] = asId(r.itemId, `ratings[${i}].itemId`);
    const v = r.value === undefined ? 1 : r.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`ratings[${i}].value must be a finite number (got ${describe(v)})`);
    values[i] = v;
  });
  return [ids, values];
}

function onProgressFn(onProgress) {
  if (onProgress === undefined || onProgress === null) return null;
  if (typeof onProgress !== 'function') throw invalid(`onProgress must be a function (got ${describe(onProgress)})`);
  return onProgress;
}

// The model parameters (the engine's own table: names, limits, accepted values, help), each with its JS type.
function parameterTable(module) {
  return Object.freeze(call(() => module.parameters()).map((p) => {
    const choices = Object.freeze([...p.choices]);
    const type = choices.length === 2 && choices[0] === 'false' && choices[1] === 'true' ? 'boolean'
      : choices.length ? 'choice' : p.integer ? 'integer' : 'number';
    return Object.freeze({ ...p, choices: type === 'choice' ? choices : Object.freeze([]), type });
  }));
}

// Checks the parameters' names and JS types against the table (the engine checks the limits) and returns only
// those set: the rest are decided from the data.
function checkParams(table, params) {
  const specs = Object.fromEntries(table.map((p) => [p.name, p.type === 'choice' ? p.choices
    : p.type === 'integer' ? (p.max > INT32_MAX ? 'bigcount' : 'integer') : p.type]));
  return checkOptions('parameters', params, specs);
}

// ---- wrappers ----------------------------------------------------------------------------------------------

// Owns one embind handle; delete() is idempotent and use after delete is a clear error.
class Owned {
  #raw;
  #kind;
  constructor(raw, kind) {
    this.#raw = raw;
    this.#kind = kind;
  }
  [RAW]() {
    if (!this.#raw) throw invalid(`this ${this.#kind} has been deleted`);
    return this.#raw;
  }
  get deleted() { return this.#raw === null; }
  delete() {
    if (this.#raw) {
      this.#raw.delete();
      this.#raw = null;
    }
  }
}

export class Dataset extends Owned {
  #table;
  constructor(raw, table) {
    super(raw, 'Dataset');
    this.#table = table;
  }
  summary() { return call(() => this[RAW]().summary()); }
  /** What the data is (value kind in words with its evidence, binned values, shape), as the engine reads it. */
  profile() { return call(() => this[RAW]().profile()); }
  /** The parameters this data gets for `params` (the rest decided from its profile), and why; before any screen. */
  resolve(params) {
    const given = checkParams(this.#table, params);
    return run(() => this[RAW]().resolve(given));
  }
  userIds() { return call(() => this[RAW]().userIds()); }
  itemIds() { return call(() => this[RAW]().itemIds()); }
  userItems(userId) {
    const id = asId(userId, 'userId');
    return run(() => this[RAW]().userItems(id));
  }
  /** Interactions per user, aligned with userIds(). */
  userCounts() { return call(() => this[RAW]().userCounts()); }
  /** Interactions per item (popularity), aligned with itemIds(). */
  itemCounts() { return call(() => this[RAW]().itemCounts()); }
}

export class Model extends Owned {
  #factors;
  #numUsers;
  #numItems;
  #params;
  constructor(raw) {
    super(raw, 'Model');
    this.#factors = raw.factors();
    this.#numUsers = raw.numUsers();
    this.#numItems = raw.numItems();
    this.#params = raw.params();
  }
  get factors() { return this.#factors; }
  get numUsers() { return this.#numUsers; }
  get numItems() { return this.#numItems; }
  get params() { return { ...this.#params }; }
  /** Whether the model knows the interactions it was trained on (recommend can leave them out). */
  get hasSeenItems() { return call(() => this[RAW]().hasSeen()); }
  /** {iterationsDone, finalLoss, datasetFingerprint} from the model file. */
  info() { return call(() => this[RAW]().info()); }
  userIds() { return call(() => this[RAW]().userIds()); }
  itemIds() { return call(() => this[RAW]().itemIds()); }

  recommend(userId, n = 10, options = {}) {
    const id = asId(userId, 'userId');
    asCount(n, 'n');
    const { excludeSeen = true } = checkOptions('recommend options', options, { excludeSeen: 'boolean' });
    return run(() => this[RAW]().recommend(id, n, excludeSeen));
  }

  /** Every user's top-n at once: user u's list is items/scores[offsets[u] .. offsets[u+1]) (indices into itemIds()). */
  recommendAll(n = 10, options = {}) {
    asCount(n, 'n');
    const { excludeSeen = true } = checkOptions('recommendAll options', options, { excludeSeen: 'boolean' });
    return call(() => this[RAW]().recommendAll(n, excludeSeen));
  }

  similar(itemId, n = 10) {
    const id = asId(itemId, 'itemId');
    asCount(n, 'n');
    return run(() => this[RAW]().similar(id, n));
  }

  foldIn(ratings) {
    const [ids, values] = ratingsArrays(ratings);
    return run(() => this[RAW]().foldIn(ids, values));
  }

  recommendVector(userVector, n = 10, excludeItemIds = []) {
    let vector = userVector;
    if (!(vector instanceof Float32Array)) {
      if (!Array.isArray(vector) && !ArrayBuffer.isView(vector)) {
        throw invalid(`userVector must be a Float32Array (got ${describe(userVector)})`);
      }
      vector = Float32Array.from(vector);
    }
    asCount(n, 'n');
    if (!Array.isArray(excludeItemIds)) throw invalid(`excludeItemIds must be an array of item ids (got ${describe(excludeItemIds)})`);
    const exclude = excludeItemIds.map((id, i) => asId(id, `excludeItemIds[${i}]`));
    return run(() => this[RAW]().recommendVector(vector, n, exclude));
  }

  explain(ratings, itemId, n = 10) {
    const [ids, values] = ratingsArrays(ratings);
    const target = asId(itemId, 'itemId');
    asCount(n, 'n');
    return run(() => this[RAW]().explain(ids, values, target, n));
  }

  /** Take the seen items (left out by recommend, saved with the model) from a dataset, matched by ids. */
  attachSeen(dataset) {
    if (!(dataset instanceof Dataset)) throw invalid(`attachSeen needs a Dataset (got ${describe(dataset)})`);
    call(() => this[RAW]().attachSeen(dataset[RAW]()));
  }

  itemFactors() { return call(() => this[RAW]().itemFactors()); }
  userFactors() { return call(() => this[RAW]().userFactors()); }
  save() { return call(() => this[RAW]().save()); }
}

/** The core's Experiment: one data set, split, searched, fitted and evaluated a step at a time. */
export class Experiment extends Owned {
  #module;
  constructor(module, raw) {
    super(raw, 'Experiment');
    this.#module = module;
  }
  /** Whether search trials remain (the default screen or --auto's search); they run before the first step(). */
  get searching() { return call(() => this[RAW]().searching()); }
  /** One search trial: {trialsDone, elapsed, budget, last, best, done}. */
  searchStep() { return run(() => this[RAW]().searchStep()); }
  /** The finished search ({trials, best, chosen, notes, ...}), or null when none ran. */
  searchResult() { return call(() => this[RAW]().searchResult()); }
  /** The remaining trials; onTrial(progress) after each, returning false cancels. */
  search(onTrial = null) {
    const report = onProgressFn(onTrial);
    let trials = 0;
    while (this.searching) {
      const progress = this.searchStep();
      if (progress.trialsDone === trials) continue;  // a step that only ended the plan
      trials = progress.trialsDone;
      if (report && report(progress) === false) {
        throw new AlsrecError('cancelled', `search cancelled after ${trials} trials`);
      }
    }
    return this.searchResult();
  }
  /** One ALS iteration (users then items). Throws AlsrecError('numerical') if training diverged. */
  step() { return run(() => this[RAW]().step()); }
  get iteration() { return call(() => this[RAW]().iteration()); }
  get iterations() { return call(() => this[RAW]().iterations()); }
  get done() { return call(() => this[RAW]().done()); }
  get hasTest() { return call(() => this[RAW]().hasTest()); }
  get trainInteractions() { return call(() => this[RAW]().trainInteractions()); }
  get testInteractions() { return call(() => this[RAW]().testInteractions()); }
  /** The parameters in use: given, decided from the data, or chosen by the search once it has ended. */
  get params() { return call(() => this[RAW]().params()); }
  /** Each decision taken from the data, in words. */
  get notes() { return call(() => this[RAW]().notes()); }
  /** The train part's profile (what the defaults were decided from). */
  profile() { return call(() => this[RAW]().profile()); }
  /** Ranking metrics of the current factors on the test part; maxUsers > 0: on an evenly spaced sample of users. */
  testMetrics(maxUsers = 0) {
    asCount(maxUsers, 'maxUsers');
    return run(() => this[RAW]().testMetrics(maxUsers));
  }
  /**
   * The model's test metrics a slice at a time: ranks at least maxUsers more test users, in whole blocks
   * ({usersDone, users, done}); evaluate() then ranks the rest, with the same result as in one call. A step() in
   * between starts over.
   */
  evaluateStep(maxUsers) {
    asCount(maxUsers, 'maxUsers');
    return run(() => this[RAW]().evaluateStep(maxUsers));
  }
  /** The model and the baselines on the test part: {model, baselines: {popularity, ease?}, ratingErrors?, seconds}. */
  evaluate() { return run(() => this[RAW]().evaluate()); }
  /** A Model of the current factors (a copy; the experiment may keep stepping). */
  model() {
    const raw = this[RAW]();
    const handle = call(() => new this.#module.ModelHandle());
    try {
      run(() => handle.fromExperiment(raw));
      return new Model(handle);
    } catch (e) {
      handle.delete();
      throw e;
    }
  }
}

// The search, then the iterations, reporting each; a callback returning false cancels. Returns the fit seconds.
function runExperiment(experiment, { onProgress = null, onTrial = null } = {}) {
  experiment.search(onTrial);
  let seconds = 0;
  while (!experiment.done) {
    const progress = experiment.step();
    seconds += progress.seconds;
    if (onProgress && onProgress(progress) === false) {
      throw new AlsrecError('cancelled', `training cancelled after iteration ${progress.iteration} of ${progress.iterations}`);
    }
  }
  return seconds;
}

function makeApi(module) {
  const parameters = parameterTable(module);

  function newHandle(Type) { return call(() => new module[Type]()); }

  function checkDataset(dataset) {
    if (!(dataset instanceof Dataset)) throw invalid(`expected a Dataset (got ${describe(dataset)})`);
    return dataset[RAW]();
  }

  function experimentOptions(what, options, extra = {}) {
    const o = checkOptions(what, options, { ...EXPERIMENT_OPTIONS, ...extra });
    if (o.k !== undefined) asK(o.k);
    if (o.budgetSeconds !== undefined && !(o.budgetSeconds >= 0)) {
      throw invalid(`budgetSeconds must be ≥ 0 (got ${describe(o.budgetSeconds)})`);
    }
    return o;
  }

  const api = {
    version: call(() => module.version()),
    simd: call(() => module.hasSimd()),
    threads: call(() => module.threadCount()),
    /** Every model parameter: {name, flag, type, min, max, integer, choices, help}, from the engine's table. */
    parameters,
    /** The values each choice parameter accepts (e.g. to fill a form's menus). */
    choices: Object.freeze(Object.fromEntries(parameters.filter((p) => p.type === 'choice')
      .map((p) => [p.name, p.choices]))),
    /** Bytes EASE needs for a catalogue of `items` (its two items × items matrices). */
    easeMemoryBytes(items) { return call(() => module.easeMemoryBytes(asCount(items, 'items'))); },

    sniffFormat(bytes, options) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      return run(() => module.sniffFormat(data.subarray(0, 64 * 1024), f));
    },

    // onProgress({bytesDone, bytesTotal}) after each 1 MiB chunk (the page's loading bar).
    loadRatings(bytes, options, onProgress) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      const progress = onProgressFn(onProgress);
      const handle = newHandle('DatasetHandle');
      try {
        run(() => handle.begin(f));
        for (let offset = 0; offset < data.length; offset += CHUNK_BYTES) {
          run(() => handle.feed(data.subarray(offset, offset + CHUNK_BYTES)));
          progress?.({ bytesDone: Math.min(offset + CHUNK_BYTES, data.length), bytesTotal: data.length });
        }
        run(() => handle.finish());
        return new Dataset(handle, parameters);
      } catch (e) {
        handle.delete();
        throw e;
      }
    },

    // The detected format and the first maxRows records split exactly as loadRatings will split them.
    preview(bytes, options, maxRows = 8) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      asCount(maxRows, 'maxRows');
      return run(() => module.preview(data.subarray(0, 64 * 1024), f, maxRows));
    },

    loadItems(bytes, options) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      return run(() => module.loadItems(data, f));
    },

    // The core's Experiment over `dataset`: options = {split ('none' default), k, search ('screen' default |
    // 'auto' | 'none'), budgetSeconds, maxTrials, objective, baselines ('popularity' default; 'popularity,ease'),
    // easeMaxBytes}.
    createExperiment(dataset, params, options = {}) {
      const raw = checkDataset(dataset);
      const given = checkParams(parameters, params);
      const o = experimentOptions('experiment options', options);
      const handle = newHandle('ExperimentHandle');
      try {
        run(() => handle.init(raw, given, o));
        return new Experiment(module, handle);
      } catch (e) {
        handle.delete();
        throw e;
      }
    },

    // Search (the default screen, or options.search 'auto' within budgetSeconds) and fit on all the data, as
    // `alsrec train`. options: {search, budgetSeconds, maxTrials, objective, onProgress(step), onTrial(progress)}
    // (either callback returning false cancels); a function is taken as onProgress.
    train(dataset, params, options = {}) {
      const o = typeof options === 'function' ? { onProgress: options } : options;
      const { onProgress = null, onTrial = null, ...rest } = experimentOptions('train options', o, RUN_CALLBACKS);
      if (rest.split !== undefined && rest.split !== 'none') throw invalid("train fits all the data: use evaluate() for a split");
      const experiment = api.createExperiment(dataset, params, { ...rest, split: 'none', baselines: 'none' });
      try {
        runExperiment(experiment, { onProgress, onTrial });
        return experiment.model();
      } finally {
        experiment.delete();
      }
    },

    // Hold out a split, search, fit on the train part and score it beside the baselines, as `alsrec evaluate`.
    // options: createExperiment's (split default 'temporal:0.2') plus onProgress / onTrial.
    evaluate(dataset, params, options = {}) {
      const { onProgress = null, onTrial = null, ...rest } = experimentOptions('evaluate options', options, RUN_CALLBACKS);
      const split = rest.split ?? 'temporal:0.2';
      if (split === 'none') throw invalid("evaluate needs a split such as 'temporal:0.2' (got 'none')");
      const experiment = api.createExperiment(dataset, params, { ...rest, split });
      try {
        const fitSeconds = runExperiment(experiment, { onProgress, onTrial });
        const report = experiment.evaluate();
        return { users: report.model.users, metrics: report.model, baseline: report.baselines,
                 ratingErrors: report.ratingErrors, fitSeconds, params: experiment.params, notes: experiment.notes,
                 profile: experiment.profile(), search: experiment.searchResult() };
      } finally {
        experiment.delete();
      }
    },

    loadModel(bytes, sourceName = 'model file') {
      const data = asBytes(bytes, 'model bytes');
      if (typeof sourceName !== 'string') throw invalid(`sourceName must be a string (got ${describe(sourceName)})`);
      const handle = newHandle('ModelHandle');
      try {
        run(() => handle.load(data, sourceName));
        return new Model(handle);
      } catch (e) {
        handle.delete();
        throw e;
      }
    },

    generateDemo(options) {
      const g = checkOptions('demo options', options, GENERATE_OPTIONS);
      const handle = newHandle('DatasetHandle');
      try {
        const { items, ratingsCsv, itemsCsv } = run(() => handle.generate(g));
        return { dataset: new Dataset(handle, parameters), items, ratingsCsv, itemsCsv };
      } catch (e) {
        handle.delete();
        throw e;
      }
    },
  };
  return Object.freeze(api);
}

const IN_NODE = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' && typeof importScripts !== 'function';

// Which module loadAlsrec uses. 'auto': the threaded build (alsrec-mt.*) when the page is cross-origin isolated
// (SharedArrayBuffer usable: the server sends COOP/COEP) and the file loads, else the single-threaded one; 'single' and
// 'multi' force one ('multi' fails where SharedArrayBuffer is unavailable).
function wantThreads(threads) {
  if (threads === undefined || threads === 'single') return false;
  if (threads === 'multi') return true;
  if (threads === 'auto') return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  throw invalid(`threads must be 'auto', 'single' or 'multi' (got ${describe(threads)})`);
}

async function instantiate(name, options) {
  const { wasmBinary, locateFile } = options ?? {};
  const moduleArgs = {};
  try {
    if (wasmBinary !== undefined) moduleArgs.wasmBinary = asBytes(wasmBinary, 'wasmBinary');
    if (locateFile !== undefined) {
      if (typeof locateFile !== 'function') throw invalid('locateFile must be a function');
      moduleArgs.locateFile = locateFile;
    }
    // Emscripten 3.1.6's glue cannot fetch a file: URL under node, so read the binary beside this file ourselves
    // when the caller did not pass it. node:fs is imported only under node (Node 18 lacks
    // process.getBuiltinModule); browsers fetch new URL('alsrec.wasm', import.meta.url) of alsrec.js instead.
    if (!moduleArgs.wasmBinary && !moduleArgs.locateFile && IN_NODE) {
      const { readFile } = await import('node:fs/promises');
      moduleArgs.wasmBinary = new Uint8Array(await readFile(new URL(`./${name}.wasm`, import.meta.url)));
    }
  } catch (e) {
    throw new AlsrecError('load_failed', `could not read the alsrec WebAssembly module: ${e?.message ?? e}`);
  }
  try {
    const { default: createAlsrecModule } = name === 'alsrec-mt' ? await import('./alsrec-mt.js')
      : await import('./alsrec.js');
    return await createAlsrecModule(moduleArgs);
  } catch (e) {
    throw new AlsrecError('load_failed', `could not load the alsrec WebAssembly module: ${e?.message ?? e}`);
  }
}

/**
 * Load the module (alsrec.js + alsrec.wasm next to this file) and return the API.
 * options.threads: 'single' (default), 'auto' (the threaded alsrec-mt build when crossOriginIsolated, falling back
 * to the single-threaded one if it is missing or fails to start) or 'multi'. The API's `threads` tells which ran.
 * A wasmBinary passed in belongs to the module chosen (pass none with 'auto').
 */
export async function loadAlsrec(options = {}) {
  const threads = options?.threads;
  if (wantThreads(threads)) {
    try {
      return makeApi(await instantiate('alsrec-mt', options));
    } catch (e) {
      if (threads === 'multi') throw e;
    }
  }
  return makeApi(await instantiate('alsrec', options));
}

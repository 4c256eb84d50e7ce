// alsrec JavaScript API: the friendly layer over the embind module (alsrec.js + alsrec.wasm). Types: alsrec.d.ts.
//
// What this layer adds over the raw bindings: the CLI's parameter defaults (read from the core, not repeated here),
// option checking with plain-words AlsrecError('invalid_argument') messages, every core Status turned into an
// AlsrecError with .code, training loops with progress and cancel, and ownership: each wrapper owns exactly one
// embind handle and frees it in delete(); intermediate handles are freed here (try/finally), never leaked.

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

const TRAIN_PARAMS = {
  factors: 'integer', regularization: 'number', alpha: 'number',
  confidence: ['implicit', 'hu', 'log', 'ials', 'explicit'], values: ['raw', 'binary'],
  epsilon: 'number', unobservedWeight: 'number', regExponent: 'number',
  iterations: 'integer', solver: ['cg', 'cholesky', 'subspace', 'auto'], cgSteps: 'integer', blockSize: 'integer',
  seed: 'bigcount', computeLoss: 'boolean',
};
const FORMAT_OPTIONS = {
  sourceName: 'string', delimiter: 'string', header: 'header', encoding: 'string', columns: 'string',
  duplicates: ['last', 'first', 'sum', 'max'], minRating: 'nullableNumber', strict: 'boolean', maxBadFraction: 'number',
};
const GENERATE_OPTIONS = {
  users: 'count', items: 'count', interactions: 'bigcount', groups: 'count', zipfExponent: 'number', seed: 'bigcount',
};

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

// The shortest decimal that is the same float32: 0.1f reads back as 0.1, not 0.10000000149011612.
function shortestFloat(x) {
  if (!Number.isFinite(x)) return x;
  for (let digits = 1; digits <= 9; ++digits) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === Math.fround(x)) return y;
  }
  return x;
}
function cleanParams(p) {
  for (const key of ['regularization', 'alpha', 'epsilon', 'unobservedWeight', 'regExponent']) p[key] = shortestFloat(p[key]);
  return p;
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
  constructor(raw) { super(raw, 'Dataset'); }
  summary() { return call(() => this[RAW]().summary()); }
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
    this.#params = cleanParams(raw.params());
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

export class Trainer extends Owned {
  #module;
  constructor(module, raw) {
    super(raw, 'Trainer');
    this.#module = module;
  }
  step() { return run(() => this[RAW]().step()); }
  get iteration() { return call(() => this[RAW]().iteration()); }
  get iterations() { return call(() => this[RAW]().iterations()); }
  get done() { return call(() => this[RAW]().done()); }
  /** Whether the trainer holds a test split (evaluate/popularity work). */
  get hasTest() { return call(() => this[RAW]().hasTest()); }
  get params() { return cleanParams(call(() => this[RAW]().params())); }
  evaluate(k = 10) {
    asK(k);
    return run(() => this[RAW]().evaluate(k));
  }
  popularity(k = 10) {
    asK(k);
    return run(() => this[RAW]().popularity(k));
  }
  model() {
    const raw = this[RAW]();
    const handle = call(() => new this.#module.ModelHandle());
    try {
      run(() => handle.fromTrainer(raw));
      return new Model(handle);
    } catch (e) {
      handle.delete();
      throw e;
    }
  }
}

// Steps to the end, reporting each iteration; onProgress returning false cancels. Returns the summed fit time.
function runToEnd(trainer, onProgress) {
  let seconds = 0;
  while (!trainer.done) {
    const progress = trainer.step();
    seconds += progress.seconds;
    if (onProgress && onProgress(progress) === false) {
      throw new AlsrecError('cancelled', `training cancelled after iteration ${progress.iteration} of ${progress.iterations}`);
    }
  }
  return seconds;
}

function makeApi(module) {
  const defaults = cleanParams(call(() => module.defaultParams()));
  // The recommended defaults belong to ials; with another confidence mode the parameters not given take that
  // mode's starting point (`implicit`'s for implicit/hu/log, ALS-WR for explicit), as the CLI does.
  function mergedParams(params) {
    const given = checkOptions('parameters', params, TRAIN_PARAMS);
    const base = given.confidence !== undefined && given.confidence !== defaults.confidence
      ? cleanParams(run(() => module.modeParams(given.confidence)))
      : defaults;
    return { ...base, ...given };
  }

  function newHandle(Type) { return call(() => new module[Type]()); }

  function checkDataset(dataset) {
    if (!(dataset instanceof Dataset)) throw invalid(`expected a Dataset (got ${describe(dataset)})`);
    return dataset[RAW]();
  }

  const api = {
    version: call(() => module.version()),
    simd: call(() => module.hasSimd()),
    threads: call(() => module.threadCount()),

    // defaults(): the recommended (ials) parameters; defaults(mode) for another confidence mode: the starting point
    // createTrainer() uses for it, e.g. to refill a form.
    defaults(confidence) {
      if (confidence === undefined || confidence === defaults.confidence) return { ...defaults };
      return mergedParams({ confidence });
    },

    sniffFormat(bytes, options) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      return run(() => module.sniffFormat(data.subarray(0, 64 * 1024), f));
    },

    loadRatings(bytes, options) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      const handle = newHandle('DatasetHandle');
      try {
        run(() => handle.begin(f));
        for (let offset = 0; offset < data.length; offset += CHUNK_BYTES) {
          run(() => handle.feed(data.subarray(offset, offset + CHUNK_BYTES)));
        }
        run(() => handle.finish());
        return new Dataset(handle);
      } catch (e) {
        handle.delete();
        throw e;
      }
    },

    loadItems(bytes, options) {
      const data = asBytes(bytes, 'bytes');
      const f = formatOptions(options);
      return run(() => module.loadItems(data, f));
    },

    createTrainer(dataset, params, options = {}) {
      const raw = checkDataset(dataset);
      const p = mergedParams(params);
      const o = checkOptions('trainer options', options, { split: 'string', splitSeed: 'bigcount' });
      const split = o.split ?? 'none';
      const splitSeed = o.splitSeed ?? p.seed;
      const handle = newHandle('TrainerHandle');
      try {
        run(() => handle.init(raw, p, split, splitSeed));
        return new Trainer(module, handle);
      } catch (e) {
        handle.delete();
        throw e;
      }
    },

    train(dataset, params, onProgress) {
      const progress = onProgressFn(onProgress);
      const trainer = api.createTrainer(dataset, params, { split: 'none' });
      try {
        runToEnd(trainer, progress);
        return trainer.model();
      } finally {
        trainer.delete();
      }
    },

    evaluate(dataset, params, options = {}) {
      const o = checkOptions('evaluate options', options, { split: 'string', k: 'integer', onProgress: 'callback' });
      const { split = 'temporal:0.2', k = 10, onProgress = null } = o;
      asK(k);
      if (split === 'none') throw invalid("evaluate needs a split such as 'temporal:0.2' (got 'none')");
      const progress = onProgressFn(onProgress);
      const trainer = api.createTrainer(dataset, params, { split });
      try {
        const fitSeconds = runToEnd(trainer, progress);
        const metrics = trainer.evaluate(k);
        const popularity = trainer.popularity(k);
        return { users: metrics.users, metrics, baseline: { popularity }, fitSeconds, params: trainer.params };
      } finally {
        trainer.delete();
      }
    },

    // Searches α₀ (or alpha), λ, ν and factors (d-doubling) on a validation split carved from the train part of
    // `split` only, then trains the winner on the whole train part and evaluates it once on test. onProgress gets
    // {trialsDone, stage, stages, elapsed, budget, last, best} after every trial; returning false cancels.
    tune(dataset, options = {}) {
      const raw = checkDataset(dataset);
      const o = checkOptions('tune options', options, {
        split: 'string', k: 'integer', budgetSeconds: 'number', maxTrials: 'integer', objective: ['ndcg', 'recall'],
        params: 'object', onProgress: 'callback',
      });
      const { split = 'temporal:0.2', k = 10, budgetSeconds = 60, onProgress = null } = o;
      asK(k);
      if (split === 'none') throw invalid("tune needs a split such as 'temporal:0.2' (got 'none')");
      if (!(budgetSeconds >= 0)) throw invalid(`budgetSeconds must be ≥ 0 (got ${describe(budgetSeconds)})`);
      const progress = onProgressFn(onProgress);
      const p = mergedParams(o.params);
      let thrown = null;
      const report = progress && ((pr) => {
        try {
          return progress(pr) !== false;
        } catch (e) {
          thrown = e;
          return false;
        }
      });
      const search = { k, budgetSeconds };
      if (o.maxTrials !== undefined) search.maxTrials = asCount(o.maxTrials, 'maxTrials');
      if (o.objective !== undefined) search.objective = o.objective;
      let tuning;
      try {
        tuning = run(() => module.tune(raw, p, split, p.seed, search, report || null));
      } catch (e) {
        if (thrown) throw thrown;
        throw e;
      }
      tuning.params = cleanParams(tuning.params);
      for (const t of tuning.trials) t.params = cleanParams(t.params);
      const result = api.evaluate(dataset, tuning.params, { split, k });
      return { ...result, tuning };
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
        return { dataset: new Dataset(handle), items, ratingsCsv, itemsCsv };
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
    // Node cannot fetch a file: URL; read the binary ourselves when the caller did not.
    if (!moduleArgs.wasmBinary && !moduleArgs.locateFile && IN_NODE && process.getBuiltinModule) {
      moduleArgs.wasmBinary = process.getBuiltinModule('fs').readFileSync(new URL(`./${name}.wasm`, import.meta.url));
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

// The page ⇄ worker protocol: typed messages {type, id, ...}. Shared by main.js (page) and worker.js (worker).
// Page → worker requests carry a fresh numeric id; the worker answers each with `progress`* then exactly one
// `result` or `error` carrying the same id. `ready` (id null) is sent once, when the wasm module has loaded
// (or `error` with code 'load_failed' if it could not be).

/** Requests the page sends to the worker. */
export const Request = Object.freeze({
  OPEN: 'open',                   // {files: File[], as: 'ratings'|'titles'|'auto'}  plain, .gz, .zip or model files
  LOAD: 'load',                   // {options?: FormatOptions}  the current (or last failed) ratings, loaded again
  RESOLVE: 'resolve',             // {params}  → {params, notes}: what the loaded data decides for the empty fields
  // {params, evaluate, search: 'screen'|'auto'|'none', budgetSeconds, ease}: the search, the fit (with evaluate:
  // on the hold-out split's train part, measured, then on all the ratings), progress throughout
  TRAIN: 'train',
  CANCEL: 'cancel',               // {}  stop the running search or training between two trials or iterations
  RECOMMEND: 'recommend',         // {userId, n}
  SIMILAR: 'similar',             // {itemId, n}
  FOLD_IN: 'foldIn',              // {likes: [{itemId, value}], exclude: [itemId], n}
  SAVE_MODEL: 'saveModel',        // {}  → {bytes: Uint8Array}
  LOAD_MODEL: 'loadModel',        // {file: File}
  GENERATE_DEMO: 'generateDemo',  // {options?: GenerateOptions}
  EXPORT_RECOMMENDATIONS: 'exportRecommendations',  // {n}  → {bytes: Uint8Array} (CSV)
});

/** Messages the worker sends to the page. */
export const Reply = Object.freeze({
  READY: 'ready',        // {version, simd, threads, parameters (the engine's table), easeMaxBytes}
  PROGRESS: 'progress',  // {id, ...}
  RESULT: 'result',      // {id, ...payload}
  ERROR: 'error',        // {id, code, message}
});

/** Error codes: the JS API's AlsrecError codes plus the worker's own. */
export const ErrorCode = Object.freeze({
  INVALID_ARGUMENT: 'invalid_argument',
  BAD_INPUT: 'bad_input',
  NUMERICAL: 'numerical',
  INTERNAL: 'internal',
  CANCELLED: 'cancelled',
  IO_ERROR: 'io_error',
  LOAD_FAILED: 'load_failed',
  OUT_OF_MEMORY: 'out_of_memory',
  TOO_LARGE: 'too_large',
  BUSY: 'busy',
  NO_DATA: 'no_data',
  NO_MODEL: 'no_model',
  CRASHED: 'crashed',
});

/** An error that crosses the protocol: {code, message}. */
export class ProtocolError extends Error {
  /** detail: optional plain data for the page (e.g. the format and preview of a file that failed to load). */
  constructor(code, message, detail = null) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.detail = detail;
  }
}

/** {code, message, detail?} for any thrown value (AlsrecError and ProtocolError carry a code). */
export function toErrorPayload(error) {
  if (error && typeof error === 'object' && typeof error.code === 'string') {
    const payload = { code: error.code, message: String(error.message || error.code) };
    if (error.detail) payload.detail = error.detail;
    return payload;
  }
  return { code: ErrorCode.INTERNAL, message: String((error && error.message) || error) };
}

/**
 * Page side: promise-based requests over a Worker.
 *   const client = new WorkerClient(worker);
 *   const result = await client.request(Request.TRAIN, {params}, {onProgress: p => ...});
 * Rejects with a ProtocolError({code, message}).
 */
export class WorkerClient {
  constructor(worker, { onReady = () => {}, onFatal = () => {} } = {}) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();  // id → {resolve, reject, onProgress}
    worker.addEventListener('message', (event) => this.#dispatch(event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      const error = new ProtocolError(ErrorCode.CRASHED, event.message || 'the background worker stopped');
      this.#failAll(error);
      onFatal(error);
    });
    this.onReady = onReady;
    this.onFatal = onFatal;
  }

  request(type, payload = {}, { onProgress = null, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...payload, type, id }, transfer);
    });
  }

  /** Fire-and-forget (cancel): the worker acknowledges, but nobody needs to wait. */
  send(type, payload = {}) {
    this.worker.postMessage({ ...payload, type, id: this.nextId++ });
  }

  #dispatch(message) {
    if (!message || typeof message.type !== 'string') return;
    if (message.type === Reply.READY) return this.onReady(message);
    if (message.type === Reply.ERROR && message.id == null) {
      return this.onFatal(new ProtocolError(message.code, message.message));
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    if (message.type === Reply.PROGRESS) {
      entry.onProgress?.(message);
    } else if (message.type === Reply.RESULT) {
      this.pending.delete(message.id);
      entry.resolve(message);
    } else if (message.type === Reply.ERROR) {
      this.pending.delete(message.id);
      entry.reject(new ProtocolError(message.code, message.message, message.detail || null));
    }
  }

  #failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}

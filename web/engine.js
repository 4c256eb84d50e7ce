// The wasm engine inside the worker: loading it, telling a dead module from a bad input, reading files.
import { ErrorCode, ProtocolError } from './protocol.js';

export const MAX_FILE_BYTES = 1.5 * 1024 ** 3;  // wasm32 memory is capped near 2 GiB; the parsed data needs room too

export const fail = (code, message) => { throw new ProtocolError(code, message); };

let apiModule = null;

/** A fresh engine: the threaded build when the page is cross-origin isolated, else the single-threaded one. */
export async function startEngine() {
  apiModule = apiModule || (await import('./alsrec_api.js'));
  return apiModule.loadAlsrec({ threads: 'auto' });
}

export function loadFailedMessage(error) {
  const details = String(error?.message || error).replace(/\.?\s*Build with -s ASSERTIONS=1 for more info\.*/g, '');
  return 'The recommender engine (WebAssembly) could not be loaded, so nothing can be trained in this tab. Reload ' +
    'the page; if this keeps happening, the browser may block WebAssembly or the site is missing alsrec.js / ' +
    `alsrec.wasm. (Details: ${details})`;
}

/** A wasm trap or abort leaves the module unusable (the caller starts a fresh one); a bad input does not. */
export function isFatal(error) {
  if (error instanceof ProtocolError) return false;
  if (apiModule && error instanceof apiModule.AlsrecError) {
    // The API reports a trapped or out-of-memory module as 'internal' and asks for a reload.
    return error.code === 'internal' && /out of memory|module stopped|reload to continue/i.test(error.message);
  }
  return error instanceof WebAssembly.RuntimeError || error instanceof RangeError ||
         /abort|out of memory|OOM|memory access/i.test(String(error?.message || error));
}

/** Let queued messages (a cancel) run before the next long synchronous call. */
export const yieldToEventLoop = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(null);
});

export async function readFile(file) {
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

/** Seconds since t0 (performance.now() milliseconds). */
export const since = (t0) => (performance.now() - t0) / 1000;

// The worker owns the wasm module (through alsrec_api.js) and every embind object; the page only sees plain data.
// All replies follow protocol.js. Arrays leave the worker as copies (memory growth detaches heap views) and big
// ones travel in the transfer list. Handlers: worker-data.js (files, data) and worker-model.js (training, results).
import { ErrorCode, Reply, Request, toErrorPayload } from './protocol.js';
import { isFatal, loadFailedMessage, startEngine } from './engine.js';
import { ctx, post } from './worker-state.js';
import { dataHandlers } from './worker-data.js';
import { EASE_MAX_BYTES, installModel, modelHandlers } from './worker-model.js';

const ready = startEngine().then(
  (api) => {
    ctx.api = api;
    post({ type: Reply.READY, id: null, version: api.version, simd: api.simd, threads: api.threads,
           parameters: api.parameters, easeMaxBytes: EASE_MAX_BYTES });
  },
  (error) => post({ type: Reply.ERROR, id: null, code: ErrorCode.LOAD_FAILED, message: loadFailedMessage(error) }));

/** A wasm trap or abort leaves the module unusable: start a fresh one and restore what we can. */
async function recoverModule() {
  const { data, model } = ctx;
  Object.assign(ctx, { data: null, model: null, training: false });  // their memory belonged to the dead module
  ctx.api = await startEngine();
  if (data) {
    ctx.pending = data.source;
    try {
      await dataHandlers[Request.LOAD]({ id: null, options: data.options });
      Object.assign(ctx.data, { titles: data.titles, titlesName: data.titlesName });
    } catch { /* the data must be loaded again */ }
  }
  if (model?.bytes) {
    try {
      installModel(ctx.api.loadModel(model.bytes, model.source), model.source);
      Object.assign(ctx.model, { titles: model.titles, titlesName: model.titlesName });
    } catch { /* lost */ }
  }
}

const handlers = { ...dataHandlers, ...modelHandlers };

self.onmessage = async (event) => {
  const message = event.data || {};
  const { type, id } = message;
  if (type === Request.CANCEL) {
    ctx.cancelRequested = ctx.training;
    post({ type: Reply.RESULT, id, cancelling: ctx.training });
    return;
  }
  const handler = handlers[type];
  if (!handler) {
    post({ type: Reply.ERROR, id, code: ErrorCode.INVALID_ARGUMENT, message: `unknown request '${type}'` });
    return;
  }
  await ready;
  if (!ctx.api) {
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
        restored = ctx.model ? ' The previous model was restored.' : '';
      } catch {
        ctx.api = null;
      }
      post({ type: Reply.ERROR, id, code: ErrorCode.OUT_OF_MEMORY,
             message: `The engine ran out of memory or failed (${error?.message || error}). ` +
                      `The data may be too large for this tab.${restored}`, recovered: Boolean(ctx.api) });
      return;
    }
    post({ type: Reply.ERROR, id, ...toErrorPayload(error) });
  }
};

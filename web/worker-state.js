// What the worker holds between requests, and the rules that tie its parts together:
// - titles belong to the data set they came with (a new ratings file starts without titles);
// - a model knows the data it was trained on by the data's fingerprint: the loaded ratings (their titles, what each
//   user rated) are used with it only when the fingerprints agree.
import { ErrorCode } from './protocol.js';
import { fail } from './engine.js';

const UNKNOWN_FINGERPRINT = '0000000000000000';

export const ctx = {
  api: null,
  // {dataset, summary, source: {name, from, file?, bytes?}, options, preview, itemIds, itemCounts (aligned with
  //  itemIds), titles: Map id → title, titlesName}
  data: null,
  pending: null,  // the source of a file that failed to load: "Load again with these settings" retries it
  // {model, bytes (the file, survives a crashed module), source, fingerprint, titles (Map, the model's own when it
  //  does not match the data), titlesName}
  model: null,
  training: false,
  cancelRequested: false,
};

export const post = (message, transfer = []) => self.postMessage(message, transfer);

export const requireData = () => ctx.data || fail(ErrorCode.NO_DATA, 'Load a ratings file or the demo data first.');
export const requireModel = () => ctx.model || fail(ErrorCode.NO_MODEL, 'Train a model (or load a model file) first.');
export function notWhileTraining() {
  if (ctx.training) fail(ErrorCode.BUSY, 'Training is running: wait for it to finish or press Cancel first.');
}

/** Whether the loaded ratings are the data the model was trained on (same fingerprint). */
export function modelMatchesData() {
  const m = ctx.model, d = ctx.data;
  return Boolean(m && d && m.fingerprint !== UNKNOWN_FINGERPRINT && m.fingerprint === d.summary.fingerprint);
}

/** The titles that go with the model's items: the data's when it is the model's data, else the model's own. */
export const modelTitles = () => (modelMatchesData() ? ctx.data.titles : ctx.model?.titles) || new Map();

export function modelStatus() {
  const m = ctx.model;
  if (!m) return null;
  return { source: m.source, fingerprint: m.fingerprint, matchesData: modelMatchesData(),
           fingerprintKnown: m.fingerprint !== UNKNOWN_FINGERPRINT, hasData: Boolean(ctx.data) };
}

/** Interactions per model item (aligned with model.itemIds()) when the data is the model's, else null. */
export function modelItemCounts() {
  if (!modelMatchesData()) return null;
  const { itemIds, itemCounts } = ctx.data;
  const index = new Map(itemIds.map((id, i) => [id, itemCounts[i]]));
  return Uint32Array.from(ctx.model.model.itemIds(), (id) => index.get(id) || 0);
}

/** The items the results search and list: the model's, with titles and popularity (−1: unknown). */
export function modelCatalogue() {
  const ids = ctx.model.model.itemIds();
  const titles = modelTitles();
  const names = ids.map((id) => titles.get(id) || '');
  const known = modelItemCounts();
  const counts = known ? Int32Array.from(known) : new Int32Array(ids.length).fill(-1);
  return { payload: { ids, titles: names, counts, titled: names.filter(Boolean).length },
           transfer: [counts.buffer] };
}

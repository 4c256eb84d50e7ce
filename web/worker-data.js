// Worker handlers for the data section: open picked or dropped files (plain, .gz, .zip, models), load ratings and
// titles, load again with other format options, the demo, and what the data decides for the model's parameters.
import { ErrorCode, ProtocolError, Reply, Request } from './protocol.js';
import { fail, isFatal, readFile, since } from './engine.js';
import { chooseEntries, containerOf, unpack } from './sources.js';
import { ctx, modelCatalogue, modelStatus, notWhileTraining, post, requireData } from './worker-state.js';
import { EASE_MAX_BYTES, installModel, syncModelWithData } from './worker-model.js';

const PREVIEW_ROWS = 8;
const PREVIEW_BYTES = 64 * 1024;

const sourceName = (source) => source.name;

/** Bytes of a source: kept bytes (demo, archive members) or the picked file, read again. */
const sourceBytes = async (source) => source.bytes || (await readFile(source.file));

function progress(id, phase, text, fraction = null) {
  post({ type: Reply.PROGRESS, id, phase, text, fraction });
}

/** Load ratings into ctx.data (the old data stays until the new one has loaded). */
async function loadRatings(id, source, options, { bytes = null, keepTitles = false } = {}) {
  const timing = { bytes: 0, readSeconds: 0, parseSeconds: 0, indexSeconds: 0 };
  let t0 = performance.now();
  if (!bytes) {
    progress(id, 'read', `Reading ${source.name}…`);
    bytes = await sourceBytes(source);
  }
  timing.readSeconds = since(t0);
  timing.bytes = bytes.length;
  t0 = performance.now();
  const api = ctx.api;
  let lastPost = 0;
  const dataset = api.loadRatings(bytes, { ...options, sourceName: source.name }, ({ bytesDone, bytesTotal }) => {
    if (performance.now() - lastPost < 100 && bytesDone < bytesTotal) return;
    lastPost = performance.now();
    progress(id, 'parse', `Parsing ${source.name}: ${Math.round((100 * bytesDone) / bytesTotal)}%`, bytesDone / bytesTotal);
  });
  timing.parseSeconds = since(t0);
  t0 = performance.now();
  progress(id, 'index', 'Counting users and items, and reading what the values are…');
  let data;
  try {
    const summary = dataset.summary();
    data = { dataset, summary, profile: dataset.profile(), source, options, preview: ctx.api.preview(bytes.subarray(0, PREVIEW_BYTES), options,
                                                                          PREVIEW_ROWS + 1),
             itemIds: dataset.itemIds(), itemCounts: dataset.itemCounts(), titles: new Map(), titlesName: '' };
  } catch (error) {
    dataset.delete();
    throw error;
  }
  timing.indexSeconds = since(t0);
  const old = ctx.data;
  if (keepTitles && old) Object.assign(data, { titles: old.titles, titlesName: old.titlesName });
  else if (ctx.pendingTitles) Object.assign(data, ctx.pendingTitles);
  ctx.pendingTitles = null;
  old?.dataset.delete();
  ctx.data = data;
  ctx.pending = null;
  syncModelWithData();
  return timing;
}

/** Titles belong to the loaded ratings; with none loaded, to the model (or they wait for the next ratings). */
function attachTitles(entry) {
  const list = ctx.api.loadItems(entry.bytes(), { sourceName: entry.name });
  const titles = new Map(list.map((it) => [it.id, it.title]));
  const named = { titles, titlesName: entry.name };
  let note = '';
  if (ctx.data) {
    const matched = ctx.data.itemIds.reduce((n, id) => n + (titles.has(id) ? 1 : 0), 0);
    if (!matched) {
      fail(ErrorCode.BAD_INPUT, `None of the ${list.length.toLocaleString('en-US')} ids in ${entry.name} is an item ` +
        `of ${ctx.data.source.name}: the titles are from another data set, so they were not used.`);
    }
    Object.assign(ctx.data, named);
  } else if (ctx.model) {
    Object.assign(ctx.model, named);
  } else {
    ctx.pendingTitles = named;
    note = 'They will be used with the next ratings file.';
  }
  return { count: list.length, name: entry.name, note };
}

/** Whether EASE's two items × items matrices fit the memory the page allows it, and if not, why. */
function easeChoice(items) {
  const bytes = ctx.api.easeMemoryBytes(items);
  const mb = (b) => `${Math.ceil(b / 1024 ** 2).toLocaleString('en-US')} MB`;
  return { items, bytes, fits: bytes <= EASE_MAX_BYTES,
           reason: `EASE needs two items × items matrices: ${items.toLocaleString('en-US')} items need ${mb(bytes)}, ` +
                   `more than the ${mb(EASE_MAX_BYTES)} this page allows it in a browser tab.` };
}

/** What the page shows of the data: summary, profile, preview, titles, and how the model relates to it. */
export function dataPayload(extra = {}) {
  const d = ctx.data;
  const payload = {
    ease: d ? easeChoice(d.summary.items) : null,
    summary: d?.summary || null, profile: d?.profile || null, preview: d?.preview || null, sourceName: d ? sourceName(d.source) : '',
    from: d?.source.from || '', titlesName: d?.titlesName || ctx.model?.titlesName || '',
    titled: d ? d.itemIds.reduce((n, id) => n + (d.titles.has(id) ? 1 : 0), 0) : 0,
    model: modelStatus(), ...extra,
  };
  if (!ctx.model) return { payload, transfer: [] };
  const cat = modelCatalogue();
  return { payload: { ...payload, catalogue: cat.payload }, transfer: cat.transfer };
}

/** A file that did not load still gets its detected format and first rows, so the page can offer a correction. */
async function withFormatDetail(error, source, options) {
  if (isFatal(error) || !(error?.code === 'bad_input' || error?.code === 'invalid_argument')) return error;
  try {
    const bytes = (await sourceBytes(source)).subarray(0, PREVIEW_BYTES);
    let preview;
    try {
      preview = ctx.api.preview(bytes, options, PREVIEW_ROWS + 1);
    } catch {
      preview = ctx.api.preview(bytes, {}, PREVIEW_ROWS + 1);  // the overrides themselves may be what is wrong
    }
    ctx.pending = source;
    return new ProtocolError(error.code, error.message, { sourceName: source.name, preview });
  } catch {
    return error;
  }
}

async function loadOrExplain(id, source, options, extra) {
  try {
    return await loadRatings(id, source, options, extra);
  } catch (error) {
    throw await withFormatDetail(error, source, options);
  }
}

export const dataHandlers = {
  // {files: File[], as: 'ratings' | 'titles' | 'auto'}: what each file is taken as is decided here and reported.
  async [Request.OPEN]({ id, files = [], as = 'auto' }) {
    notWhileTraining();
    const t0 = performance.now();
    const entries = [], models = [];
    for (const file of files) {
      progress(id, 'read', `Reading ${file.name}…`);
      const bytes = await readFile(file);
      const kind = containerOf(bytes);
      if (kind === 'model' && as !== 'titles') { models.push({ file, bytes }); continue; }
      if (kind !== 'text') progress(id, 'unpack', `Unpacking ${file.name}…`);
      for (const e of unpack(file.name, bytes, kind)) entries.push({ ...e, file: kind === 'text' ? file : null });
    }
    const readSeconds = since(t0);
    let t1 = performance.now();
    if (models.length && !entries.length) {
      const { file, bytes } = models[0];
      const installed = installModel(ctx.api.loadModel(bytes, file.name), file.name);
      const report = [{ name: file.name, from: '', role: 'model', why: 'an alsrec model file' }];
      return { payload: { ...installed.payload, report }, transfer: installed.transfer };
    }
    if (entries.length > 1 || as === 'auto') progress(id, 'sniff', 'Looking for the ratings and the titles…');
    const choice = chooseEntries(ctx.api, entries, as);
    const sniffSeconds = since(t1);
    if (!choice.ratings && !choice.titles) {
      fail(ErrorCode.BAD_INPUT, `Found no ratings or titles in ${files.map((f) => f.name).join(', ')}: ` +
        choice.report.map((r) => `${r.name}: ${r.why}`).join('; ') + '.');
    }
    let timing = null;
    if (choice.ratings) {
      const e = choice.ratings;
      const source = { name: e.name, from: e.from, file: e.file, bytes: e.file ? null : e.bytes() };
      timing = await loadOrExplain(id, source, {}, { bytes: e.bytes() });
      Object.assign(timing, { readSeconds: timing.readSeconds + readSeconds, sniffSeconds });
    }
    let titles = null;
    if (choice.titles) {
      progress(id, 'titles', `Reading titles from ${choice.titles.name}…`);
      t1 = performance.now();
      titles = attachTitles(choice.titles);
      if (timing) timing.titlesSeconds = since(t1);
    }
    const report = choice.report;
    if (models.length) {  // a model dropped with its data: loaded after it, so it can be matched to it
      const { file, bytes } = models[0];
      installModel(ctx.api.loadModel(bytes, file.name), file.name);
      report.push({ name: file.name, from: '', role: 'model', why: 'an alsrec model file' });
    }
    return dataPayload({ timing, titles, report });
  },

  // Load the current (or the failed) ratings again with other format options; the titles stay.
  async [Request.LOAD]({ id, options = {} }) {
    notWhileTraining();
    const source = ctx.pending || ctx.data?.source || fail(ErrorCode.NO_DATA, 'Pick a ratings file first.');
    const timing = await loadOrExplain(id, source, options, { keepTitles: !ctx.pending });
    return dataPayload({ timing });
  },

  async [Request.GENERATE_DEMO]({ id, options = {} }) {
    notWhileTraining();
    const demo = ctx.api.generateDemo({ users: 1000, items: 1700, interactions: 100000, seed: 42, ...options });
    demo.dataset.delete();
    // Loaded back from its CSV text, so that the demo follows the same path as a dropped file.
    const source = { name: 'demo-ratings.csv', from: '', bytes: demo.ratingsCsv };
    const timing = await loadRatings(id, source, {}, { bytes: demo.ratingsCsv });
    Object.assign(ctx.data, { titles: new Map(demo.items.map((it) => [it.id, it.title])),
                              titlesName: 'demo-items.csv' });
    return dataPayload({ timing, demo: true });
  },

  // The parameters the loaded data gets for the form's (the empty fields decided from its profile), and why.
  async [Request.RESOLVE]({ params = {} }) {
    return { payload: requireData().dataset.resolve(params) };
  },
};

// Section "Choose data": the demo, picked and dropped files (ratings, titles, .zip, .gz, models), what each file
// was taken as, the detected format with a correction form, the data summary with its values in words, and the
// data options (minimum rating counted as positive).
import { ErrorCode, Request } from './protocol.js';
import { $, activity, bump, clearError, fmt, run, showError, ui, updateControls } from './page.js';
import { binLabel, describeKind, describeValue } from './values.js';

let hooks = { dataChanged: () => {}, modelArrived: () => {}, titlesChanged: () => {} };

function describeDelimiter(d) {
  return { ',': 'comma', '\t': 'tab', 'tab': 'tab', ';': 'semicolon', '|': 'bar |', '::': 'double colon ::',
           'whitespace': 'spaces', ' ': 'spaces' }[d] || JSON.stringify(d);
}

/** The detected format and the first rows (split by the engine); `failed`: the file did not load. */
function renderFormat(preview, sourceName, failed) {
  const f = preview.format;
  const roles = new Map([[f.userColumn, 'user'], [f.itemColumn, 'item'], [f.ratingColumn, 'rating'],
                         [f.timestampColumn, 'timestamp']]);
  roles.delete(-1);
  const columns = f.columnNames.length ? f.columnNames : (preview.rows[0] || []).map((_, i) => `column ${i + 1}`);
  const described = columns.map((name, i) => (roles.has(i) ? `${name} → ${roles.get(i)}` : name));
  $('format-line').replaceChildren();
  for (const [label, value] of [['Delimiter', describeDelimiter(f.delimiter)], ['Header', f.header ? 'yes' : 'no'],
    ['Encoding', f.encoding || 'utf-8'], ['Line endings', f.lineEnding || '–'], ['Columns', described.join(', ')]]) {
    const span = document.createElement('span');
    span.className = 'pill';
    const b = document.createElement('b');
    b.textContent = `${label}:`;
    span.append(b, ' ', value);
    $('format-line').append(span);
  }
  const table = $('preview');
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  columns.forEach((name, i) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    if (roles.has(i)) {
      const tag = document.createElement('span');
      tag.className = `role role-${roles.get(i)}`;
      tag.textContent = roles.get(i);
      th.append(' ', tag);
    }
    head.append(th);
  });
  const body = table.createTBody();
  for (const cells of preview.rows.slice(f.header ? 1 : 0, (f.header ? 1 : 0) + 6)) {
    const tr = body.insertRow();
    for (const cell of cells) tr.insertCell().textContent = cell;
  }
  $('preview-source').textContent = sourceName;
  $('format-panel').hidden = false;
  $('format-panel').classList.toggle('failed', failed);
  $('format-heading').textContent = failed ? `What was detected in ${sourceName} (not loaded)` : 'What was detected';
  $('format-failed-note').hidden = !failed;
  if (failed) $('format-fix').open = true;
  $('fmt-columns').placeholder = columns.length ? `Detect (now: ${described.join(', ')})` : 'Detect';
}

function renderStats(result) {
  const { summary, profile } = result;
  const { values } = profile;
  const stats = [
    ['Users', fmt.int(summary.users)], ['Items', fmt.int(summary.items)],
    ['Interactions', fmt.int(summary.interactions)],
    ['Density', `${(summary.density * 100).toFixed(summary.density < 0.001 ? 4 : 2)}%`],
    ['Rows read', fmt.int(summary.rows)], ['Skipped rows', fmt.int(summary.skipped)],
  ];
  if (summary.duplicatesMerged) stats.push(['Duplicates merged', fmt.int(summary.duplicatesMerged)]);
  if (summary.filtered) stats.push(['Below the minimum rating', fmt.int(summary.filtered)]);
  const titlesFile = result.titlesName.slice(result.titlesName.lastIndexOf('/') + 1);
  stats.push(['Titled items', result.titled ? `${fmt.int(result.titled)} (${titlesFile})` : 'none yet']);
  stats.push(['Values', describeKind(values)]);
  const dl = $('summary-stats');
  dl.replaceChildren();
  for (const [k, v] of stats) {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = k;
    dd.textContent = v;
    if (k === 'Values') {
      dd.id = 'values-kind';
      dd.dataset.kind = values.kind;
    }
    if (v.length > 12) div.className = 'wide';
    div.append(dt, dd);
    dl.append(div);
  }
  renderHistogram(values);
  renderSkipped(summary);
}

/** The values as the engine binned them (a bin per star, powers of two for counts, ...). */
function renderHistogram(values) {
  const box = $('histogram');
  box.replaceChildren();
  const rows = values.histogram || [];
  $('histogram-heading').textContent = values.kind === 'counts' ? 'Values (counts, grouped)' : 'Values';
  if (!rows.length) {
    box.innerHTML = '<p class="muted">No values: every row counts as one interaction.</p>';
    return;
  }
  const max = Math.max(...rows.map((b) => b.count));
  for (const bin of rows) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.setAttribute('role', 'row');
    row.innerHTML = '<span role="rowheader" class="bar-label"></span><span role="cell" class="bar-track">' +
      '<span class="bar"></span></span><span role="cell" class="bar-count"></span>';
    row.querySelector('.bar-label').textContent = binLabel(values, bin);
    row.querySelector('.bar').style.width = `${(100 * bin.count) / max}%`;
    row.querySelector('.bar-count').textContent = fmt.int(bin.count);
    box.append(row);
  }
}

function renderSkipped(summary) {
  const skipped = $('skipped');
  skipped.replaceChildren();
  if (!summary.skipped) {
    skipped.innerHTML = '<li class="muted">None: every row was read.</li>';
    return;
  }
  for (const bad of summary.skippedExamples) {
    const li = document.createElement('li');
    li.innerHTML = '<span class="line-no"></span> <span></span>';
    li.firstChild.textContent = `line ${fmt.int(bad.line)}`;
    li.lastChild.textContent = bad.reason;
    skipped.append(li);
  }
  if (summary.skipped > summary.skippedExamples.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = `…and ${fmt.int(summary.skipped - summary.skippedExamples.length)} more.`;
    skipped.append(li);
  }
}

/** What each opened file (or archive member) was taken as. */
function renderReport(report) {
  const list = $('open-report');
  list.replaceChildren();
  for (const r of report || []) {
    const li = document.createElement('li');
    li.dataset.role = r.role;
    li.dataset.name = r.name;
    const name = document.createElement('code');
    name.textContent = r.name;
    const role = r.role === 'unused' ? 'not used' : `used as the ${r.role}`;
    li.append(name, `${r.from ? ` (in ${r.from})` : ''}: ${role} (${r.why}).`);
    list.append(li);
  }
  list.hidden = !list.children.length;
}

/** "Already rated" and other lists show a value as what it is (stars, counts, interactions). */
export const showValue = (value) => describeValue(ui.profile?.values, value);

function renderLoadTiming(timing, wallSeconds) {
  if (!timing) return;
  const parts = [['reading', timing.readSeconds], ['finding the ratings and titles', timing.sniffSeconds],
                 ['parsing', timing.parseSeconds], ['counting users and items', timing.indexSeconds],
                 ['titles', timing.titlesSeconds]].filter(([, t]) => t >= 0.0005);
  const rest = Math.max(0, wallSeconds - parts.reduce((sum, [, t]) => sum + t, 0));
  parts.push(['handing over and drawing', rest]);
  $('load-timing').textContent = `Loaded ${fmt.bytes(timing.bytes)} in ${fmt.seconds(wallSeconds)}: ` +
    `${parts.map(([what, t]) => `${what} ${fmt.seconds(t)}`).join(', ')}.`;
  $('load-timing').dataset.wallSeconds = String(wallSeconds);
  $('timing').dataset.loadSeconds = String(wallSeconds);
}

function dataLoaded(result) {
  clearError();
  ui.hasData = true;
  ui.canRetry = false;
  ui.summary = result.summary;
  ui.profile = result.profile;
  ui.dataEase = result.ease;
  ui.dataName = result.sourceName;
  renderFormat(result.preview, result.from ? `${result.sourceName} (in ${result.from})` : result.sourceName, false);
  renderStats(result);
  $('summary-panel').hidden = false;
  hooks.dataChanged(result);
}

/** After everything a load changed is drawn: its wall time, then the test hook. */
function loadFinished(result, t0) {
  if (!result.timing) return;
  renderLoadTiming(result.timing, (performance.now() - t0) / 1000);
  bump('data');
}

function titlesLoaded(result) {
  const t = result.titles;
  $('items-status').textContent = t ? `${fmt.int(t.count)} titles read from ${t.name}. ${t.note}`.trim() : '';
  if (ui.hasData && result.summary) renderStats(result);
  hooks.titlesChanged(result);
  if (t) bump('items');
}

function onLoadProgress(p) {
  activity(p.text || 'Working…', p.fraction);
}

/** Open picked or dropped files; `as`: 'ratings' | 'titles' | 'auto' (decided by content). */
export async function openFiles(files, as) {
  await run('loading', async () => {
    const t0 = performance.now();
    activity(`Reading ${files.map((f) => f.name).join(', ')}…`);
    try {
      const result = await ui.client.request(Request.OPEN, { files, as }, { onProgress: onLoadProgress });
      renderReport(result.report);
      if (result.timing) dataLoaded(result);
      if (result.embedding) hooks.modelArrived(result, `Loaded ${result.model.source}`);
      titlesLoaded(result);
      loadFinished(result, t0);
    } catch (error) {
      const name = files.length === 1 ? files[0].name : '';
      loadFailed(error, as === 'titles' ? `${name} could not be read as a titles file`
        : error.code === ErrorCode.BAD_INPUT && name ? `${name} could not be read` : '');
    }
  });
}

/** Say why a load failed; for a ratings file, show what was detected in it to correct (the old data stays). */
function loadFailed(error, context) {
  showError(error, context);
  if (error.detail) {
    ui.canRetry = true;
    renderFormat(error.detail.preview, error.detail.sourceName, true);
  }
}

/** Load the current (or the failed) ratings again with the format overrides and data options. */
async function reload() {
  await run('loading', async () => {
    const t0 = performance.now();
    try {
      const result = await ui.client.request(Request.LOAD, { options: loadOptions() }, { onProgress: onLoadProgress });
      dataLoaded(result);
      titlesLoaded(result);
      loadFinished(result, t0);
    } catch (error) {
      loadFailed(error, error.code === ErrorCode.BAD_INPUT ? `${ui.dataName || 'The file'} could not be read` : '');
    }
  });
}

async function loadDemo() {
  await run('loading', async () => {
    const t0 = performance.now();
    try {
      const result = await ui.client.request(Request.GENERATE_DEMO, {}, { onProgress: onLoadProgress });
      for (const id of ['fmt-delimiter', 'fmt-encoding', 'fmt-columns', 'fmt-bad', 'min-rating']) $(id).value = '';
      $('fmt-header').value = 'auto';
      ui.minRating = undefined;
      renderReport([]);
      dataLoaded(result);
      titlesLoaded(result);
      loadFinished(result, t0);
    } catch (error) {
      showError(error);
    }
  });
}

/** The format overrides ("Not right?") and data options as the engine's FormatOptions. */
function loadOptions() {
  const options = {};
  const delimiter = $('fmt-delimiter').value;
  if (delimiter) options.delimiter = delimiter === '\\t' ? '\t' : delimiter;
  const header = $('fmt-header').value;
  if (header !== 'auto') options.header = header === 'yes';
  if ($('fmt-encoding').value) options.encoding = $('fmt-encoding').value;
  const columns = $('fmt-columns').value.trim();
  if (columns) options.columns = columns;
  const bad = $('fmt-bad').value;
  if (bad === 'strict') options.strict = true;
  else if (bad) options.maxBadFraction = Number(bad);
  if (ui.minRating !== undefined) options.minRating = ui.minRating;
  return options;
}

function applyMinRating() {
  const raw = $('min-rating').value.trim();
  const value = raw === '' ? undefined : Number(raw);
  if (value !== undefined && !Number.isFinite(value)) {
    $('min-rating').setAttribute('aria-invalid', 'true');
    showError(new Error('The minimum rating must be a number, or empty to keep every rating.'), 'Check the data options');
    return;
  }
  $('min-rating').removeAttribute('aria-invalid');
  ui.minRating = value;
  reload();
}

function pickedFile(input, handler) {
  input.addEventListener('change', () => {
    const files = [...(input.files || [])];
    if (files.length) handler(files);
    input.value = '';  // picking the same file again fires change again
  });
}

function wireDropzone() {
  // Files dropped anywhere on the page are taken (the browser would otherwise navigate away to the file and lose
  // the trained model); the dashed box lights up as the target. What each file is, is decided by its content.
  const zone = $('dropzone');
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    zone.classList.add('dragging');
  });
  window.addEventListener('dragleave', (e) => { if (!e.relatedTarget) zone.classList.remove('dragging'); });
  window.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    zone.classList.remove('dragging');
    if (!ui.engineReady || ui.busy) return;
    openFiles([...e.dataTransfer.files], 'auto');
  });
}

export function initData(callbacks) {
  hooks = { ...hooks, ...callbacks };
  $('demo').addEventListener('click', loadDemo);
  pickedFile($('ratings-file'), (files) => openFiles(files, 'ratings'));
  pickedFile($('items-file'), (files) => openFiles(files, 'titles'));
  wireDropzone();
  $('format-form').addEventListener('submit', (e) => {
    e.preventDefault();
    reload();
  });
  $('min-rating-form').addEventListener('submit', (e) => {
    e.preventDefault();
    applyMinRating();
  });
  updateControls();
}

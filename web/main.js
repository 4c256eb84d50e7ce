// The page: UI only. Everything that touches the wasm module happens in worker.js; we talk to it through
// protocol.js and render plain data. Charts use Chart.js (vendor/chart.umd.min.js, a classic script → window.Chart).
import { ErrorCode, ProtocolError, Request, WorkerClient } from './protocol.js';

const $ = (id) => document.getElementById(id);
const K = 10;
const fmtInt = new Intl.NumberFormat('en-US');
const fmtNum = (x, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const fmtSeconds = (s) => (s < 1 ? `${Math.round(s * 1000)} ms` : s < 60 ? `${s.toFixed(s < 10 ? 2 : 1)} s`
  : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);
const fmtBytes = (b) => (b < 1024 ** 2 ? `${(b / 1024).toFixed(1)} KB` : `${(b / 1024 ** 2).toFixed(1)} MB`);

const ui = {
  engineReady: false,
  busy: '',              // '' | 'loading' | 'training' | 'exporting'
  hasData: false,
  hasModel: false,
  pendingFile: null,     // a File that failed to load: "Load again with these settings" retries it
  dataName: '',
  catalogue: { ids: [], titles: [], counts: new Int32Array(0), lower: [], index: new Map() },
  users: [],
  myRatings: new Map(),  // item id → stars, for "rate a few yourself"
  foldInSeq: 0,
  userSeq: 0,
  lossChart: null,
  mapChart: null,
};

// --- worker ------------------------------------------------------------------------------------------------------

let client = null;

function startWorker() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  client = new WorkerClient(worker, {
    onReady: (info) => {
      ui.engineReady = true;
      for (const d of Object.values(info.modeDefaults || {})) modeDefaults[d.confidence] = d;
      applyDefaults(info.defaults || {});
      $('engine-status').textContent = `Engine ready · alsrec ${info.version}${info.simd ? ' · SIMD' : ''}` +
        `${info.threads > 1 ? ` · ${info.threads} threads` : ''}`;
      $('engine-status').classList.add('ok');
      $('footer-line').textContent = `alsrec ${info.version} · ALS in WebAssembly · charts by Chart.js`;
      updateControls();
    },
    onFatal: (error) => {
      ui.engineReady = false;
      ui.engineFailed = true;
      ui.busy = '';
      $('engine-status').textContent = 'Engine not available';
      $('engine-status').classList.add('bad');
      showError(error.code === ErrorCode.LOAD_FAILED ? error
        : new ProtocolError(ErrorCode.LOAD_FAILED, 'The recommender engine could not be started in this browser ' +
          `(${error.message}). Reload the page; a recent Chrome, Edge, Firefox or Safari is needed.`));
      updateControls();
    },
  });
}

// --- errors and status ---------------------------------------------------------------------------------------------

/** body[data-<name>-version] counts completed events (data loaded, model ready, error shown...): test hooks. */
function bump(name) {
  const attr = `data-${name}-version`;
  document.body.setAttribute(attr, String(Number(document.body.getAttribute(attr) || 0) + 1));
}

const ERROR_TITLES = {
  [ErrorCode.BAD_INPUT]: 'That file could not be read',
  [ErrorCode.IO_ERROR]: 'That file could not be read',
  [ErrorCode.TOO_LARGE]: 'That file is too large for a browser tab',
  [ErrorCode.OUT_OF_MEMORY]: 'Out of memory',
  [ErrorCode.NUMERICAL]: 'Training diverged',
  [ErrorCode.LOAD_FAILED]: 'The engine failed to load',
  [ErrorCode.CRASHED]: 'The engine stopped',
  [ErrorCode.INVALID_ARGUMENT]: 'That did not work',
  [ErrorCode.NO_DATA]: 'No data yet',
  [ErrorCode.NO_MODEL]: 'No model yet',
  [ErrorCode.BUSY]: 'Busy',
};

function showError(error, context = '', { training = false } = {}) {
  // The reader's advice names the CLI flag; on this page the same setting is "Bad rows allowed".
  let message = (error?.message || String(error))
    .replace(/\(raise max-bad-fraction to accept them\)/,
             '(to load the good rows anyway, choose more “Bad rows allowed” under “Not right? Correct the format”)');
  if (error?.code === ErrorCode.NUMERICAL) {
    message += ' The previous model is kept. Try a larger regularization, a smaller alpha, or fewer factors.';
  } else if (training && ui.hasModel) {
    message += ' The previous model is kept.';
  }
  $('error-title').textContent = context || ERROR_TITLES[error?.code] || 'Something went wrong';
  $('error-message').textContent = message;
  $('error').hidden = false;
  bump('error');
}

function clearError() {
  $('error').hidden = true;
}

function updateControls() {
  const idle = ui.engineReady && !ui.busy;
  $('demo').disabled = !idle;
  $('ratings-file').disabled = !idle;
  $('items-file').disabled = !idle;
  $('model-file').disabled = !idle;
  $('format-apply').disabled = !idle || !(ui.hasData || ui.pendingFile);
  $('train').disabled = !idle || !ui.hasData;
  $('tune').disabled = !idle || !ui.hasData;
  $('cancel').disabled = ui.busy !== 'training';
  $('download-model').disabled = !idle || !ui.hasModel;
  $('download-csv').disabled = !idle || !ui.hasModel;
  $('train-hint').textContent = ui.engineFailed ? 'The engine is not available: reload the page.'
    : !ui.engineReady ? 'Waiting for the engine…'
    : ui.busy === 'loading' ? 'Reading the file…'
    : ui.busy === 'training' ? 'Training in the background; the page stays usable.'
    : ui.busy === 'tuning' ? 'Tuning in the background (at most 20 s); the page stays usable.'
    : ui.hasData ? '' : 'Choose data first.';
  document.body.classList.toggle('is-busy', Boolean(ui.busy));
}

async function run(busy, task) {
  if (ui.busy) return undefined;
  ui.busy = busy;
  updateControls();
  try {
    return await task();
  } finally {
    ui.busy = '';
    updateControls();
  }
}

// --- data --------------------------------------------------------------------------------------------------------

function setCatalogue(cat) {
  if (!cat) return;
  const lower = cat.titles.map((t, i) => `${t} ${cat.ids[i]}`.toLowerCase());
  ui.catalogue = { ...cat, lower, index: new Map(cat.ids.map((id, i) => [id, i])) };
}

const itemTitle = (itemId, fallback = '') => {
  const i = ui.catalogue.index.get(itemId);
  return (i !== undefined && ui.catalogue.titles[i]) || fallback || `Item ${itemId}`;
};

/** Items whose title or id contains every word of the query, most rated first. */
function searchItems(query, limit = 8) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const { ids, counts, lower } = ui.catalogue;
  const hits = [];
  for (let i = 0; i < ids.length; i++) {
    if (words.every((w) => lower[i].includes(w))) hits.push(i);
  }
  hits.sort((a, b) => counts[b] - counts[a]);
  return hits.slice(0, limit).map((i) => ids[i]);
}

function describeDelimiter(d) {
  return { ',': 'comma', '\t': 'tab', 'tab': 'tab', ';': 'semicolon', '|': 'bar |', '::': 'double colon ::',
           'whitespace': 'spaces', ' ': 'spaces' }[d] || JSON.stringify(d);
}

function renderData(result) {
  const { summary, preview, sourceName, timing } = result;
  renderFormat(summary.format, preview, sourceName, false);
  renderSummary(result, summary, timing);
}

/** The detected format and the first rows; `failed`: the file did not load and this is for correcting it. */
function renderFormat(f, preview, sourceName, failed) {
  const roles = new Map([[f.userColumn, 'user'], [f.itemColumn, 'item'], [f.ratingColumn, 'rating'],
                         [f.timestampColumn, 'timestamp']]);
  roles.delete(-1);
  const columns = f.columnNames.length ? f.columnNames
    : (preview.rows[0] || []).map((_, i) => `column ${i + 1}`);
  const described = columns.map((name, i) => (roles.has(i) ? `${name} → ${roles.get(i)}` : name));
  $('format-line').innerHTML = '';
  for (const [label, value] of [['Delimiter', describeDelimiter(f.delimiter)], ['Header', f.header ? 'yes' : 'no'],
    ['Encoding', f.encoding || 'utf-8'], ['Line endings', f.lineEnding || '–'], ['Columns', described.join(', ')]]) {
    const span = document.createElement('span');
    span.className = 'pill';
    span.innerHTML = `<b></b> `;
    span.querySelector('b').textContent = `${label}:`;
    span.append(value);
    $('format-line').append(span);
  }
  const table = $('preview');
  table.innerHTML = '';
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

function renderSummary(result, summary, timing) {
  const stats = [
    ['Users', fmtInt.format(summary.users)], ['Items', fmtInt.format(summary.items)],
    ['Interactions', fmtInt.format(summary.interactions)],
    ['Density', `${(summary.density * 100).toFixed(summary.density < 0.001 ? 4 : 2)}%`],
    ['Rows read', fmtInt.format(summary.rows)], ['Skipped rows', fmtInt.format(summary.skipped)],
  ];
  if (summary.duplicatesMerged) stats.push(['Duplicates merged', fmtInt.format(summary.duplicatesMerged)]);
  if (summary.filtered) stats.push(['Filtered out', fmtInt.format(summary.filtered)]);
  const titled = result.catalogue?.titled || 0;
  stats.push(['Titled items', titled ? fmtInt.format(titled) : 'none yet']);
  const dl = $('summary-stats');
  dl.innerHTML = '';
  for (const [k, v] of stats) {
    const div = document.createElement('div');
    div.innerHTML = '<dt></dt><dd></dd>';
    div.firstChild.textContent = k;
    div.lastChild.textContent = v;
    dl.append(div);
  }
  renderHistogram(summary);
  const skipped = $('skipped');
  skipped.innerHTML = '';
  if (!summary.skipped) {
    skipped.innerHTML = '<li class="muted">None: every row was read.</li>';
  } else {
    for (const bad of summary.skippedExamples) {
      const li = document.createElement('li');
      li.innerHTML = '<span class="line-no"></span> <span></span>';
      li.firstChild.textContent = `line ${fmtInt.format(bad.line)}`;
      li.lastChild.textContent = bad.reason;
      skipped.append(li);
    }
    if (summary.skipped > summary.skippedExamples.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = `…and ${fmtInt.format(summary.skipped - summary.skippedExamples.length)} more.`;
      skipped.append(li);
    }
  }
  $('summary-panel').hidden = false;
  if (timing) {
    $('timing').textContent = `Read ${fmtBytes(timing.bytes)} in ${fmtSeconds(timing.readSeconds)}, ` +
      `parsed in ${fmtSeconds(timing.parseSeconds)}.`;
    $('timing').dataset.parseSeconds = String(timing.readSeconds + timing.parseSeconds);
    delete $('timing').dataset.trainSeconds;
  }
}

function renderHistogram(summary) {
  const box = $('histogram');
  box.innerHTML = '';
  const bins = summary.hasRatings ? summary.ratingHistogram : [];
  if (!bins.length) {
    box.innerHTML = '<p class="muted">No rating column: every row counts as one interaction.</p>';
    return;
  }
  const max = Math.max(...bins.map((b) => b.count));
  for (const { value, count } of bins) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.setAttribute('role', 'row');
    row.innerHTML = '<span role="rowheader" class="bar-label"></span><span role="cell" class="bar-track">' +
      '<span class="bar"></span></span><span role="cell" class="bar-count"></span>';
    row.querySelector('.bar-label').textContent = String(value);
    row.querySelector('.bar').style.width = `${(100 * count) / max}%`;
    row.querySelector('.bar-count').textContent = fmtInt.format(count);
    box.append(row);
  }
}

function dataLoaded(result) {
  clearError();
  ui.hasData = true;
  ui.dataName = result.sourceName;
  ui.pendingFile = null;
  ui.hasModel = false;
  setCatalogue(result.catalogue);
  renderData(result);
  $('results').hidden = true;
  $('rate').hidden = true;
  ui.myRatings.clear();
  resetTrainingView('Ready to train.');
  bump('data');
}

async function loadDemo() {
  await run('loading', async () => {
    try {
      dataLoaded(await client.request(Request.GENERATE_DEMO, {}));
      $('items-status').textContent = '';
      $('fmt-delimiter').value = '';
      $('fmt-header').value = 'auto';
      $('fmt-encoding').value = '';
      $('fmt-columns').value = '';
      $('fmt-bad').value = '';
    } catch (error) {
      showError(error);
    }
  });
}

async function loadRatings(file, options = {}) {
  await run('loading', async () => {
    try {
      const result = await client.request(Request.LOAD, file ? { file, options } : { options });
      dataLoaded(result);
    } catch (error) {
      const name = file?.name || ui.dataName;
      showError(error, error.code === ErrorCode.BAD_INPUT && name ? `${name} could not be read` : '');
      if (error.detail) {
        // Show what was detected in the failed file and let the user correct it; the old dataset stays loaded.
        ui.pendingFile = file || ui.pendingFile;
        renderFormat(error.detail.format, error.detail.preview, error.detail.sourceName, true);
      }
    }
  });
}

async function loadItems(file) {
  await run('loading', async () => {
    try {
      const result = await client.request(Request.LOAD_ITEMS, { file });
      setCatalogue(result.catalogue);
      clearError();
      if (ui.hasData) {
        const summary = await client.request(Request.SUMMARY, {});
        renderData({ ...summary, timing: null });
      }
      $('items-status').textContent = `${fmtInt.format(result.count)} titles read from ${file.name}.`;
      refreshViewsAfterTitles();
      bump('items');
    } catch (error) {
      showError(error, `${file.name} could not be read as an items file`);
    }
  });
}

function formatOverrides() {
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
  return options;
}

// --- training ------------------------------------------------------------------------------------------------------

// Each model's full parameter set from the engine (defaults(mode)); the form shows the common ones and α₀.
const modeDefaults = {};

function applyDefaults(d) {
  const set = (id, v) => { if (v !== undefined && v !== null) $(id).value = String(v); };
  if (d.confidence) {
    modeDefaults[d.confidence] = d;
    $('p-confidence').value = d.confidence;
  }
  set('p-unobserved', d.unobservedWeight);
  $('f-unobserved').hidden = $('p-confidence').value !== 'ials';
  set('p-factors', d.factors);
  set('p-regularization', d.regularization);
  set('p-alpha', d.alpha);
  set('p-iterations', d.iterations);
  if (d.solver === 'cg' || d.solver === 'cholesky') $('p-solver').value = d.solver;
}

function readParams() {
  const num = (id, { min, max, integer, name }) => {
    const el = $(id);
    const v = Number(el.value);
    if (el.value.trim() === '' || !Number.isFinite(v) || v < min || (max !== undefined && v > max) ||
        (integer && !Number.isInteger(v))) {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      throw new ProtocolError(ErrorCode.INVALID_ARGUMENT, `${name} must be ${integer ? 'a whole number' : 'a number'}` +
        ` ${max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`}.`);
    }
    el.removeAttribute('aria-invalid');
    return v;
  };
  const confidence = $('p-confidence').value;
  const params = {
    ...(modeDefaults[confidence] || { confidence }),
    factors: num('p-factors', { min: 1, max: 512, integer: true, name: 'Factors' }),
    regularization: num('p-regularization', { min: 0, name: 'Regularization' }),
    alpha: num('p-alpha', { min: 0, name: 'Alpha' }),
    iterations: num('p-iterations', { min: 1, max: 500, integer: true, name: 'Iterations' }),
    solver: $('p-solver').value,
  };
  if (confidence === 'ials') {
    params.unobservedWeight = num('p-unobserved', { min: 0, name: 'Unobserved weight' });
  }
  return params;
}

function chartColors() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return { accent: v('--accent'), accent2: v('--accent-2'), text: v('--muted'), grid: v('--grid'), dot: v('--dot') };
}

function ensureLossChart() {
  if (ui.lossChart || !window.Chart) return ui.lossChart;
  const c = chartColors();
  ui.lossChart = new window.Chart($('loss-chart'), {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'Loss', data: [], yAxisID: 'y', borderColor: c.accent, backgroundColor: c.accent, tension: 0.2,
        pointRadius: 2 },
      { label: 'Validation Recall@10', data: [], yAxisID: 'y1', borderColor: c.accent2, backgroundColor: c.accent2,
        tension: 0.2, pointRadius: 2, hidden: false },
    ] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { title: { display: true, text: 'Iteration', color: c.text }, ticks: { color: c.text },
             grid: { color: c.grid } },
        y: { position: 'left', title: { display: true, text: 'Loss', color: c.text }, ticks: { color: c.text },
             grid: { color: c.grid } },
        y1: { position: 'right', title: { display: true, text: 'Recall@10', color: c.text },
              ticks: { color: c.text }, grid: { drawOnChartArea: false } },
      },
      plugins: { legend: { labels: { color: c.text, boxWidth: 12 } } },
    },
  });
  return ui.lossChart;
}

function resetTrainingView(text) {
  $('progress').value = 0;
  $('progress').max = 1;
  $('progress-text').textContent = text;
  const chart = ensureLossChart();
  if (chart) {
    chart.data.labels = [];
    chart.data.datasets.forEach((d) => { d.data = []; });
    chart.update();
  }
}

function onProgress(p) {
  $('progress').max = p.iterations;
  $('progress').value = p.iteration;
  const parts = [`Iteration ${p.iteration} of ${p.iterations}`, `${fmtSeconds(p.elapsed)} elapsed`];
  if (p.iteration < p.iterations) parts.push(`about ${fmtSeconds(p.secondsLeft)} left`);
  if (Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toPrecision(5)}`);
  if (p.recall !== null) parts.push(`Recall@10 ${fmtNum(p.recall)}`);
  $('progress-text').textContent = parts.join(' · ');
  const chart = ui.lossChart;
  if (chart) {
    chart.data.labels.push(p.iteration);
    chart.data.datasets[0].data.push(p.loss);
    chart.data.datasets[1].data.push(p.recall);
    chart.update('none');
  }
}

// The form's parameters, or null after showing what is wrong with them.
function formParams() {
  try {
    return readParams();
  } catch (error) {
    showError(error, 'Check the parameters');
    return null;
  }
}

// Tune: the core's d-doubling search (iALS) on a validation split carved from the training part, then the form
// is filled with the winner; the test split is touched once, to report the winner's metrics.
async function tune() {
  const params = formParams();
  if (!params) return;
  await run('tuning', async () => {
    clearError();
    resetTrainingView('Tuning…');
    try {
      const result = await client.request(Request.TUNE, { params: { ...params, confidence: 'ials' }, budgetSeconds: 20 },
        { onProgress: (p) => {
          $('progress').value = Math.min(1, p.elapsed / p.budget);
          $('progress-text').textContent = `Tuning: trial ${p.trialsDone} (factors ${p.factors}), best validation ` +
            `NDCG@10 ${fmtNum(p.best)} · ${fmtSeconds(p.elapsed)} of ${fmtSeconds(p.budget)}`;
        } });
      modeDefaults.ials = { ...(modeDefaults.ials || {}), ...result.params };
      applyDefaults(modeDefaults.ials);
      $('progress').value = 1;
      $('progress-text').textContent = `Tuned in ${result.trials} trials: factors ${result.params.factors}, ` +
        `α₀ ${fmtNum(result.params.unobservedWeight)}, regularization ${fmtNum(result.params.regularization)} ` +
        `(validation NDCG@10 ${fmtNum(result.validation)}; on the held-out test split Recall@10 ` +
        `${fmtNum(result.metrics.recall)}, NDCG@10 ${fmtNum(result.metrics.ndcg)}). The form now holds these ` +
        'settings: press Train.';
      bump('tune');
    } catch (error) {
      $('progress-text').textContent = 'Stopped.';
      showError(error, 'Tuning did not work');
    }
  });
}

async function train() {
  const params = formParams();
  if (!params) return;
  const evaluate = $('p-evaluate').checked;
  await run('training', async () => {
    clearError();
    $('loss-chart-box').hidden = false;
    resetTrainingView('Starting…');
    const chart = ui.lossChart;
    if (chart) { chart.data.datasets[1].hidden = !evaluate; chart.options.scales.y1.display = evaluate; }
    try {
      const result = await client.request(Request.TRAIN, { params, evaluate }, { onProgress });
      const t = result.timing;
      $('progress-text').textContent = `Done: ${t.iterations} iterations in ${fmtSeconds(t.totalSeconds)}.`;
      const parse = Number($('timing').dataset.parseSeconds || NaN);
      const train = t.setupSeconds + t.trainSeconds;
      $('timing').textContent = `${Number.isFinite(parse) ? `Read + parse ${fmtSeconds(parse)} · ` : ''}` +
        `train ${t.iterations} iterations ${fmtSeconds(train)}` +
        `${Number.isFinite(parse) ? ` · parse + train ${fmtSeconds(parse + train)}` : ''}` +
        `${t.evalSeconds ? ` · per-iteration evaluation ${fmtSeconds(t.evalSeconds)} (not counted)` : ''}.`;
      $('timing').dataset.trainSeconds = String(train);
      $('timing').dataset.iterations = String(t.iterations);
      $('timing').dataset.factors = String(params.factors);
      modelReady(result, `Trained on ${ui.dataName || 'the data'} · ${result.model.factors} ` +
        `factors · ${t.iterations} iterations` + (result.split !== 'none' ? ` · evaluated on a ${splitText(result.split)}` : ''));
    } catch (error) {
      if (error.code === ErrorCode.CANCELLED) {
        $('progress-text').textContent = ui.hasModel ? 'Cancelled. The previous model is kept.' : 'Cancelled.';
        bump('cancel');
      } else {
        $('progress-text').textContent = 'Stopped.';
        showError(error, '', { training: true });
      }
    }
  });
}

const splitText = (split) => (split.startsWith('temporal') ? 'hold-out of each user’s latest 20%'
  : 'random 20% hold-out');

// --- results -------------------------------------------------------------------------------------------------------

function modelReady(result, line) {
  ui.hasModel = true;
  if (result.catalogue) setCatalogue(result.catalogue);
  ui.users = result.users;
  $('model-line').textContent = line;
  renderMetrics(result.metrics);
  $('recommendations').replaceChildren();
  delete $('recommendations').dataset.userId;
  $('rated').replaceChildren();
  fillUserOptions('');
  $('results').hidden = false;
  $('rate').hidden = false;
  // The map (a few thousand points) is drawn in its own task so that the lists appear first.
  setTimeout(() => renderMap(result.embedding), 0);
  const first = ui.users[0];
  if (first !== undefined) {
    $('user-select').value = first;
    showUser(first);
  }
  const topItem = ui.catalogue.ids.length ? searchItems('', 1)[0] : undefined;
  if (topItem !== undefined) showSimilar(topItem);
  renderRateMatches();
  refreshFoldIn();
  bump('model');
}

const METRIC_ROWS = [['recall', 'Recall@10'], ['precision', 'Precision@10'], ['ndcg', 'NDCG@10'], ['map', 'MAP@10'],
                     ['hitRate', 'Hit rate@10'], ['auc', 'AUC'], ['coverage', 'Coverage']];

function renderMetrics(metrics) {
  const box = $('metrics');
  box.innerHTML = '';
  if (!metrics) {
    box.innerHTML = '<p class="muted">Evaluation was off (or the model was loaded from a file), so there are no ' +
      'metrics. Tick “Hold out 20% to evaluate” and train to see them.</p>';
    return;
  }
  const table = document.createElement('table');
  table.className = 'metrics-table';
  table.innerHTML = `<caption>Ranking quality on held-out ratings (${fmtInt.format(metrics.als.users)} users with ` +
    'held-out items)</caption><thead><tr><th scope="col">Metric</th><th scope="col">ALS</th>' +
    '<th scope="col">Most popular</th><th scope="col">ALS vs popular</th></tr></thead>';
  const body = table.createTBody();
  for (const [key, label] of METRIC_ROWS) {
    const a = metrics.als[key], p = metrics.popularity[key];
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    tr.append(th);
    tr.insertCell().textContent = fmtNum(a);
    tr.insertCell().textContent = fmtNum(p);
    const lift = tr.insertCell();
    lift.textContent = p > 0 ? `×${(a / p).toFixed(2)}` : '–';
    lift.className = a >= p ? 'better' : 'worse';
    tr.dataset.metric = key;
  }
  const note = document.createElement('div');
  note.className = 'metrics-note';
  note.innerHTML = '<p><b>Recall@10</b>: the share of a user’s held-out items found in their top 10. ' +
    '<b>Precision@10</b>: the share of the top 10 that were held-out items. <b>NDCG</b> and <b>MAP</b> also reward ' +
    'hits near the top. <b>Hit rate</b>: users with at least one hit. <b>AUC</b>: how often a held-out item ranks ' +
    'above an unseen one. <b>Coverage</b>: the share of all items that appear in someone’s top 10.</p>' +
    '<p>“Most popular” recommends the same best-known items to everyone: ALS should beat it on most rows.</p>';
  box.append(table, note);
}

function fillUserOptions(prefix) {
  const list = $('user-options');
  list.innerHTML = '';
  const matches = [];
  for (const u of ui.users) {
    if (u.startsWith(prefix)) matches.push(u);
    if (matches.length >= 100) break;
  }
  for (const u of matches) {
    const option = document.createElement('option');
    option.value = u;
    list.append(option);
  }
}

function itemEntry(item, extra) {
  const li = document.createElement('li');
  li.dataset.itemId = item.itemId;
  const title = document.createElement('span');
  title.className = 'item-title';
  title.textContent = item.title || `Item ${item.itemId}`;
  li.append(title);
  if (extra) {
    const meta = document.createElement('span');
    meta.className = 'item-meta';
    meta.textContent = extra;
    li.append(meta);
  }
  return li;
}

async function showUser(userId) {
  userId = String(userId).trim();
  if (!userId || !ui.hasModel) return;
  const seq = ++ui.userSeq;
  try {
    const result = await client.request(Request.RECOMMEND, { userId, n: K });
    if (seq !== ui.userSeq) return;
    const recs = $('recommendations');
    recs.replaceChildren(...result.items.map((it) => itemEntry(it, `score ${it.score.toFixed(3)}`)));
    recs.dataset.userId = userId;
    $('recs-heading').textContent = `Top ${K} for user ${userId}`;
    const rated = $('rated');
    rated.replaceChildren(...result.rated.map((it) => itemEntry(it, `${it.value}`)));
    if (result.ratedCount > result.rated.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = `…and ${fmtInt.format(result.ratedCount - result.rated.length)} more`;
      rated.append(li);
    }
    $('rated-heading').textContent = `Already rated (${fmtInt.format(result.ratedCount)}, best first)`;
    clearError();
  } catch (error) {
    if (seq === ui.userSeq) showError(error, `No recommendations for user ${userId}`);
  }
}

async function showSimilar(itemId) {
  if (!ui.hasModel) return;
  try {
    const result = await client.request(Request.SIMILAR, { itemId, n: K });
    $('similar-to').textContent = itemTitle(itemId);
    $('similar').replaceChildren(...result.items.map((it) => itemEntry(it, `cos ${it.score.toFixed(3)}`)));
  } catch (error) {
    showError(error, 'No similar items');
  }
}

/** A search box that lists matching items as buttons (keyboard: Tab to a result, Enter to pick). */
function wireItemSearch(input, list, onPick) {
  const render = () => {
    const q = input.value.trim();
    list.replaceChildren();
    if (!q) return;
    const hits = searchItems(q, 8);
    if (!hits.length) {
      list.innerHTML = '<li class="muted">No match.</li>';
      return;
    }
    for (const id of hits) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'match';
      b.textContent = itemTitle(id);
      b.dataset.itemId = id;
      b.addEventListener('click', () => { onPick(id); list.replaceChildren(); input.value = ''; });
      li.append(b);
      list.append(li);
    }
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      list.querySelector('button')?.click();
    }
  });
}

function renderMap(embedding) {
  if (!window.Chart || !embedding) return;
  const c = chartColors();
  const points = Array.from(embedding.x, (x, i) => ({ x, y: embedding.y[i] }));
  const labels = embedding.ids.map((id, i) => embedding.titles[i] || `Item ${id}`);
  const counts = embedding.counts;
  const maxLog = counts ? Math.log1p(Math.max(1, ...counts)) : 1;
  const radius = counts ? counts.map((n) => 1.5 + 3.5 * (Math.log1p(n) / maxLog)) : 2.5;
  // Axes span the 1st–99th percentile (+10%): a few far-out items would otherwise squash the rest into a blob.
  const bounds = (values) => {
    const sorted = Float32Array.from(values).sort();
    const lo = sorted[Math.floor(0.01 * (sorted.length - 1))], hi = sorted[Math.ceil(0.99 * (sorted.length - 1))];
    const pad = 0.1 * (hi - lo || 1);
    return { min: lo - pad, max: hi + pad };
  };
  const bx = bounds(embedding.x), by = bounds(embedding.y);
  ui.mapChart?.destroy();
  ui.mapChart = new window.Chart($('map-chart'), {
    type: 'scatter',
    data: { datasets: [{ label: 'Items', data: points, backgroundColor: c.dot, borderColor: 'transparent',
                         pointRadius: radius, pointHoverRadius: 6, pointHoverBackgroundColor: c.accent2 }] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: { x: { ...bx, title: { display: true, text: 'Component 1', color: c.text },
                     ticks: { color: c.text, display: false }, grid: { color: c.grid } },
                y: { ...by, title: { display: true, text: 'Component 2', color: c.text },
                     ticks: { color: c.text, display: false }, grid: { color: c.grid } } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (ctx) => labels[ctx.dataIndex] +
          (counts ? ` · ${fmtInt.format(counts[ctx.dataIndex])} ratings` : '') } },
      },
      onClick: (_event, elements) => {
        if (elements.length) showSimilar(embedding.ids[elements[0].index]);
      },
    },
  });
}

function refreshViewsAfterTitles() {
  if (!ui.hasModel) return;
  const user = $('recommendations').dataset.userId;
  if (user) showUser(user);
  renderRateMatches();
  refreshFoldIn();
}

// --- rate a few yourself ---------------------------------------------------------------------------------------------

function starButtons(itemId, label) {
  const group = document.createElement('div');
  group.className = 'stars';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', `Your rating for ${label}`);
  const current = ui.myRatings.get(itemId) || 0;
  for (let s = 1; s <= 5; s++) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `star${s <= current ? ' on' : ''}`;
    b.textContent = '★';
    b.dataset.stars = String(s);
    b.setAttribute('aria-label', `${s} star${s > 1 ? 's' : ''}`);
    b.setAttribute('aria-pressed', String(s === current));
    b.addEventListener('click', () => setMyRating(itemId, s));
    group.append(b);
  }
  return group;
}

function renderRateMatches() {
  const q = $('rate-query').value.trim();
  const ids = q ? searchItems(q, 8) : searchItems('', 6).filter((id) => !ui.myRatings.has(id));
  const list = $('rate-matches');
  list.replaceChildren();
  if (!ids.length) {
    list.innerHTML = `<li class="muted">${q ? 'No match.' : 'Search for items you know.'}</li>`;
  }
  for (const id of ids) {
    const li = document.createElement('li');
    li.dataset.itemId = id;
    const name = document.createElement('span');
    name.className = 'item-title';
    name.textContent = itemTitle(id);
    li.append(name, starButtons(id, itemTitle(id)));
    list.append(li);
  }
  $('rate-query').setAttribute('aria-label', q ? `Find items to rate, ${ids.length} shown` : 'Find items to rate');
  const mine = $('my-ratings');
  mine.replaceChildren();
  if (!ui.myRatings.size) mine.innerHTML = '<li class="muted">None yet: click the stars next to an item.</li>';
  for (const [id, stars] of ui.myRatings) {
    const li = document.createElement('li');
    li.dataset.itemId = id;
    const name = document.createElement('span');
    name.className = 'item-title';
    name.textContent = `${itemTitle(id)} `;
    const value = document.createElement('span');
    value.className = 'item-meta';
    value.textContent = '★'.repeat(stars);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'ghost small-btn';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove your rating of ${itemTitle(id)}`);
    remove.addEventListener('click', () => { ui.myRatings.delete(id); renderRateMatches(); refreshFoldIn(); });
    li.append(name, value, remove);
    mine.append(li);
  }
}

function setMyRating(itemId, stars) {
  ui.myRatings.set(itemId, stars);
  renderRateMatches();
  refreshFoldIn();
}

async function refreshFoldIn() {
  const list = $('rate-recommendations');
  if (!ui.myRatings.size || !ui.hasModel) {
    list.replaceChildren();
    list.innerHTML = '<li class="muted empty">Rate at least one item.</li>';
    return;
  }
  const seq = ++ui.foldInSeq;
  const ratings = [...ui.myRatings].map(([itemId, value]) => ({ itemId, value }));
  try {
    const result = await client.request(Request.FOLD_IN, { ratings, n: K });
    if (seq !== ui.foldInSeq) return;
    if (!result.items.length) {
      list.innerHTML = '<li class="muted empty"></li>';
      list.firstChild.textContent = result.note || 'No recommendations.';
      bump('foldin');
      return;
    }
    list.replaceChildren(...result.items.map((it) => {
      const li = itemEntry(it, it.because ? `because you liked ${it.because.title || `item ${it.because.itemId}`}`
        : `score ${it.score.toFixed(3)}`);
      return li;
    }));
    bump('foldin');
  } catch (error) {
    if (seq === ui.foldInSeq) showError(error, 'Could not compute your recommendations');
  }
}

// --- files out / in ----------------------------------------------------------------------------------------------------

function download(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function downloadModel() {
  await run('exporting', async () => {
    try {
      const { bytes } = await client.request(Request.SAVE_MODEL, {});
      download(bytes, 'alsrec-model.alsr', 'application/octet-stream');
      $('files-status').textContent = `Model file saved (${fmtBytes(bytes.length)}).`;
    } catch (error) {
      showError(error);
    }
  });
}

async function downloadCsv() {
  await run('exporting', async () => {
    try {
      $('files-status').textContent = 'Computing recommendations for every user…';
      const result = await client.request(Request.EXPORT_RECOMMENDATIONS, { n: K }, {
        onProgress: (p) => { $('files-status').textContent = `Computing… ${fmtInt.format(p.done)} of ` +
          `${fmtInt.format(p.total)} users`; } });
      download(result.bytes, 'alsrec-recommendations.csv', 'text/csv');
      $('files-status').textContent = `Top-${K} lists for ${fmtInt.format(result.users)} users saved ` +
        `(${fmtBytes(result.bytes.length)}).`;
    } catch (error) {
      $('files-status').textContent = '';
      showError(error);
    }
  });
}

async function loadModelFile(file) {
  await run('loading', async () => {
    try {
      const result = await client.request(Request.LOAD_MODEL, { file });
      clearError();
      const m = result.model;
      modelReady({ ...result, metrics: null }, `Loaded ${file.name} · ${fmtInt.format(m.users)} users · ` +
        `${fmtInt.format(m.items)} items · ${m.factors} factors`);
      $('files-status').textContent = `Model ${file.name} loaded.`;
      $('results').scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (error) {
      showError(error, `${file.name} could not be loaded as a model`);
    }
  });
}

// --- wiring ----------------------------------------------------------------------------------------------------------

function pickedFile(input, handler) {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) handler(file);
    input.value = '';  // picking the same file again fires change again
  });
}

function wireDropzone() {
  // Files dropped anywhere on the page are taken (the browser would otherwise navigate away to the file and lose
  // the trained model); the dashed box lights up as the target.
  const zone = $('dropzone');
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    zone.classList.add('dragging');
  });
  window.addEventListener('dragleave', (e) => { if (!e.relatedTarget) zone.classList.remove('dragging'); });
  window.addEventListener('drop', async (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    zone.classList.remove('dragging');
    if (!ui.engineReady || ui.busy) return;
    const files = [...e.dataTransfer.files];
    // Titles files are recognised by name (movies.csv, movies.dat, u.item, *items*); the other file is the ratings.
    const isItems = (f) => /movies|u\.item|items?\b|titles/i.test(f.name);
    const isModel = (f) => /\.alsr$/i.test(f.name);
    const model = files.find(isModel);
    if (model) return loadModelFile(model);
    const items = files.length > 1 ? files.find(isItems) : files.length === 1 && isItems(files[0]) ? files[0] : null;
    const ratings = files.find((f) => f !== items);
    if (ratings) await loadRatings(ratings);
    if (items) await loadItems(items);
  });
}

function init() {
  startWorker();
  $('error-dismiss').addEventListener('click', clearError);
  $('demo').addEventListener('click', loadDemo);
  pickedFile($('ratings-file'), (f) => loadRatings(f));
  pickedFile($('items-file'), loadItems);
  pickedFile($('model-file'), loadModelFile);
  wireDropzone();
  $('format-form').addEventListener('submit', (e) => {
    e.preventDefault();
    loadRatings(ui.pendingFile || null, formatOverrides());
  });
  $('train').addEventListener('click', train);
  $('tune').addEventListener('click', tune);
  $('p-confidence').addEventListener('change', () => applyDefaults(modeDefaults[$('p-confidence').value] || {}));
  $('cancel').addEventListener('click', () => {
    client.send(Request.CANCEL);
    $('progress-text').textContent = 'Cancelling after this iteration…';
  });
  $('params-form').addEventListener('submit', (e) => { e.preventDefault(); train(); });
  $('user-form').addEventListener('submit', (e) => { e.preventDefault(); showUser($('user-select').value); });
  $('user-select').addEventListener('input', () => fillUserOptions($('user-select').value.trim()));
  $('user-select').addEventListener('change', () => {
    if (ui.users.includes($('user-select').value.trim())) showUser($('user-select').value);
  });
  $('random-user').addEventListener('click', () => {
    if (!ui.users.length) return;
    const u = ui.users[Math.floor(Math.random() * ui.users.length)];
    $('user-select').value = u;
    showUser(u);
  });
  wireItemSearch($('similar-query'), $('similar-matches'), showSimilar);
  $('rate-query').addEventListener('input', renderRateMatches);
  $('download-model').addEventListener('click', downloadModel);
  $('download-csv').addEventListener('click', downloadCsv);
  resetTrainingView('Not started.');
  updateControls();
}

init();

// Section "Train": the parameter form (built from and checked against the engine's parameter table; empty fields
// are decided from the data), training with its phases and progress (the search's trials, then the iterations),
// the notes saying what the data decided, the loss / Recall@10 chart, the auto search, and the history of runs.
import { ErrorCode, ProtocolError, Request } from './protocol.js';
import { $, activity, bump, chartColors, clearError, fmt, run, showError, ui } from './page.js';

const MODE_LABELS = {
  ials: 'iALS', implicit: 'implicit library’s ALS', hu: 'Hu et al. (1 + α × value)',
  log: 'Log confidence (1 + α log(1 + value/ε))', explicit: 'Explicit ALS-WR (predicts the values)',
};
const CHOICE_LABELS = {
  values: { raw: 'the values as they are', binary: 'binary: 1 for every interaction', log: 'log(1 + value/ε)' },
  solver: {
    cg: 'Conjugate gradient (fast)', cholesky: 'Cholesky (exact)', subspace: 'Subspace (iALS++, large factors)',
    woodbury: 'Woodbury (exact for short rows, from 256 factors)',
  },
  biases: { false: 'off', true: 'on' },
};
// Labels of the parameters the page names itself; any other row of the engine's table gets a field under "More
// parameters" with its flag as label and the table's help.
const LABELS = {
  confidence: 'Model', values: 'Values', unobservedWeight: 'Unobserved weight α₀', factors: 'Factors',
  regularization: 'Regularization λ', alpha: 'Alpha', iterations: 'Iterations', solver: 'Solver',
  epsilon: 'Epsilon ε', regExponent: 'Regularization exponent ν', cgSteps: 'CG steps', seed: 'Seed',
  biases: 'Bias terms', popularityExponent: 'Popularity exponent ω',
};
// The page gives the engine every core the browser offers: not a choice to make here.
const NOT_IN_FORM = new Set(['threads']);

let hooks = { modelArrived: () => {} };
let lossChart = null;
let resolveSeq = 0;
const runs = [];

// --- the form, from the engine's table -----------------------------------------------------------------------

const label = (p) => LABELS[p.name] || p.flag;
const modeLabel = (mode) => MODE_LABELS[mode] || mode;

function limitsText(p) {
  if (p.type === 'choice' || p.type === 'boolean') return '';
  const n = (x) => (Math.abs(x) >= 1e6 ? x.toExponential(0) : fmt.int(x));
  return p.max >= 9e15 ? `${p.integer ? 'a whole number' : 'a number'} ≥ ${n(p.min)}`
    : `${p.integer ? 'a whole number' : 'a number'} from ${p.min < 1e-6 && p.min > 0 ? p.min : n(p.min)} to ${n(p.max)}`;
}

/** The field of parameter p: the page's own (index.html) or one made under "More parameters". */
function fieldFor(p) {
  const id = `p-${p.name}`;
  let input = $(id);
  if (!input) {
    const box = document.createElement('div');
    box.className = 'field';
    box.id = `f-${p.name}`;
    const lab = document.createElement('label');
    lab.htmlFor = id;
    lab.textContent = label(p);
    input = document.createElement(p.type === 'choice' || p.type === 'boolean' ? 'select' : 'input');
    input.id = id;
    const help = document.createElement('p');
    help.className = 'help';
    help.id = `h-${p.name}`;
    help.textContent = p.help;
    input.setAttribute('aria-describedby', help.id);
    box.append(lab, input, help);
    $('more-params-fields').append(box);
  }
  return input;
}

function fillSelect(select, p) {
  const labels = CHOICE_LABELS[p.name] || {};
  const first = select.options[0];
  select.replaceChildren(first || new Option('from the data', ''));
  const values = p.type === 'boolean' ? ['false', 'true'] : p.choices;
  for (const v of values) select.add(new Option(p.name === 'confidence' ? modeLabel(v) : labels[v] || v, v));
}

/** Limits, menus and help from the engine's table, once it has loaded. The fields' values are never touched. */
export function engineReady(info) {
  ui.parameters = info.parameters.filter((p) => !NOT_IN_FORM.has(p.name));
  ui.easeMaxBytes = info.easeMaxBytes;
  for (const p of ui.parameters) {
    const input = fieldFor(p);
    if (input.tagName === 'SELECT') {
      fillSelect(input, p);
    } else {
      Object.assign(input, { type: 'number', step: p.integer ? '1' : 'any', placeholder: 'from the data' });
      input.min = String(p.min);
      if (p.max < 9e15) input.max = String(p.max);
      const help = $(`h-${p.name}`);
      let limits = help.querySelector('.limits');
      if (!limits) {
        limits = document.createElement('span');
        limits.className = 'limits';
        help.append(' ', limits);
      }
      limits.textContent = `(${limitsText(p)})`;
    }
    input.dataset.parameter = p.name;
  }
  $('more-params').hidden = !$('more-params-fields').children.length;
  updateModeFields();
}

/** Fields that only one model kind reads. */
function updateModeFields() {
  const mode = $('p-confidence').value || ui.resolved?.confidence || 'ials';
  for (const id of ['f-unobservedWeight', 'f-popularityExponent']) {
    const box = $(id);
    if (box) box.hidden = mode !== 'ials';
  }
}

/** The form's parameters (only those filled in), checked against the table; throws naming the field. */
function readParams() {
  const params = {};
  for (const p of ui.parameters) {
    const el = $(`p-${p.name}`);
    if (!el || el.closest('[hidden]')) continue;
    const text = el.value.trim();
    el.removeAttribute('aria-invalid');
    if (text === '') continue;
    if (p.type === 'choice') { params[p.name] = text; continue; }
    if (p.type === 'boolean') { params[p.name] = text === 'true'; continue; }
    const v = Number(text);
    if (!Number.isFinite(v) || v < p.min || v > p.max || (p.integer && !Number.isInteger(v))) {
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      throw new ProtocolError(ErrorCode.INVALID_ARGUMENT, `${label(p)} must be ${limitsText(p)}.`);
    }
    params[p.name] = v;
  }
  return params;
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

function describeParams(p) {
  const parts = [modeLabel(p.confidence), `values ${p.values}`, `${p.factors} factors`];
  if (p.confidence === 'ials') parts.push(`α₀ ${fmt.param(p.unobservedWeight)}`);
  else if (p.confidence !== 'explicit') parts.push(`alpha ${fmt.param(p.alpha)}`);
  if (p.confidence === 'ials' && p.popularityExponent) parts.push(`popularity exponent ω ${fmt.param(p.popularityExponent)}`);
  parts.push(`λ ${fmt.param(p.regularization)}`, `${p.iterations} iterations`, `${p.solver} solver`);
  return parts.join(', ');
}

/** In words, what the empty fields become for the loaded data (the engine's resolve), and why. */
export async function showDefaults() {
  const box = $('param-defaults');
  if (!ui.hasData) {
    box.textContent = 'Empty fields are decided from the data once a file is loaded.';
    return;
  }
  let params;
  try {
    params = readParams();
  } catch {
    return;  // the error shows when training starts
  }
  const seq = ++resolveSeq;
  try {
    const r = await ui.client.request(Request.RESOLVE, { params });
    if (seq !== resolveSeq) return;
    ui.resolved = r.params;
    $('p-confidence').options[0].textContent = `Recommended: ${modeLabel(r.params.confidence)}`;
    updateModeFields();
    const screened = $('p-screen').checked && r.params.confidence === 'ials' &&
      (params.unobservedWeight === undefined || params.regularization === undefined);
    box.textContent = `For ${ui.dataName}: ${describeParams(r.params)}` +
      `${screened ? '; α₀ and λ then screened on a validation split' : ''}.` +
      (r.notes.length ? ` Decided from the data: ${r.notes.join('; ')}.` : '');
    bump('defaults');
  } catch (error) {
    if (seq === resolveSeq) box.textContent = `These parameters are not accepted: ${error.message}`;
  }
}

/** EASE is offered when its items × items matrices fit the memory the page allows it. */
export function updateEaseChoice() {
  const ease = ui.dataEase;
  const box = $('p-ease');
  box.disabled = !ease || !ease.fits;
  if (ease && !ease.fits) box.checked = false;
  $('h-ease').dataset.refused = ease && !ease.fits ? 'true' : 'false';
  $('h-ease').textContent = !ease ? 'A strong item × item reference model (Steck 2019) scored on the same held-out ' +
      'ratings; its λ is chosen on the validation split.'
    : ease.fits ? `A strong item × item reference model (Steck 2019) scored on the same held-out ratings; its λ is ` +
      `chosen on the validation split. For these ${fmt.int(ease.items)} items it needs ${fmt.bytes(ease.bytes)} ` +
      'and up to eight items × items inversions, whose time grows with the cube of the number of items: seconds ' +
      'for a couple of thousand, minutes for several thousand. Cancel takes effect once it is done.'
    : `Not offered for this data: ${ease.reason}`;
}

// --- progress and chart ------------------------------------------------------------------------------------------

function ensureLossChart() {
  if (lossChart || !window.Chart) return lossChart;
  const c = chartColors();
  lossChart = new window.Chart($('loss-chart'), {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'Loss', data: [], yAxisID: 'y', borderColor: c.accent, backgroundColor: c.accent, tension: 0.2,
        pointRadius: 2 },
      { label: 'Recall@10 (sample of held-out users)', data: [], yAxisID: 'y1', borderColor: c.accent2,
        backgroundColor: c.accent2, tension: 0.2, pointRadius: 3, spanGaps: true },
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
  return lossChart;
}

export function resetTrainingView(text) {
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

function renderNotes(notes) {
  const list = $('train-notes');
  list.replaceChildren(...notes.map((n) => {
    const li = document.createElement('li');
    li.textContent = n;
    return li;
  }));
  list.hidden = !notes.length;
}

function trialCells(t, index) {
  const omega = t.popularityExponent ? `, ω ${fmt.param(t.popularityExponent)}` : '';
  const weight = t.confidence === 'ials' ? `α₀ ${fmt.param(t.unobservedWeight)}${omega}`
    : t.confidence === 'explicit' ? '–' : `α ${fmt.param(t.alpha)}`;
  return [String(index + 1), t.stage, modeLabel(t.confidence).split(' (')[0], t.values, String(t.factors), weight,
          fmt.param(t.regularization), fmt.param(t.regExponent), String(t.iterations),
          t.failed ? 'diverged' : fmt.num(t.ndcg), fmt.seconds(t.seconds)];
}

/** The trials table: a search as it runs, or the search of a run picked in the history. */
function showTrials(search, title) {
  const body = $('search-trials');
  body.replaceChildren();
  $('trials-heading').textContent = title;
  for (const [i, t] of (search?.trials || []).entries()) addTrialRow(t, i, i === search.best);
  $('trials-panel').hidden = !search;
}

function addTrialRow(t, index, best = false) {
  const row = $('search-trials').insertRow();
  row.dataset.trial = String(index);
  row.classList.toggle('best', best);
  for (const text of trialCells(t, index)) row.insertCell().textContent = text;
}

function onTrainProgress(p) {
  if (p.phase === 'notes') {
    renderNotes(p.notes);
    return;
  }
  if (p.phase === 'search') {
    if (p.trialsDone === 1) showTrials({ trials: [] }, p.mode === 'auto' ? 'Auto search: trials so far'
      : 'Screening α₀ and λ: trials so far');
    addTrialRow(p.trial, p.trialsDone - 1);
    const auto = p.mode === 'auto';
    const fraction = auto && p.budget > 0 ? Math.min(1, p.elapsed / p.budget) : null;
    if (fraction === null) $('progress').removeAttribute('value');
    else { $('progress').max = 1; $('progress').value = fraction; }
    $('progress-text').textContent = `${p.text}: NDCG@10 ${fmt.num(p.trial.ndcg)}, best ${fmt.num(p.best.ndcg)} ` +
      `(${p.best.factors} factors) · ${fmt.seconds(p.elapsed)}${auto ? ` of ${fmt.seconds(p.budget)}` : ''}`;
    activity(p.text, fraction);
    return;
  }
  if (p.done === null || p.done === undefined) {  // a phase without iterations: say what is happening
    $('progress-text').textContent = p.text;
    activity(p.text);
    return;
  }
  $('progress').max = p.total;
  $('progress').value = p.done;
  const parts = [p.text, `${fmt.seconds(p.elapsed)} elapsed`];
  if (p.done < p.total) parts.push(`about ${fmt.seconds(p.secondsLeft)} left`);
  if (Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toPrecision(5)}`);
  if (p.recall !== null && p.recall !== undefined) {
    parts.push(`Recall@10 ${fmt.num(p.recall)} on ${fmt.int(p.sampleUsers)} held-out users`);
  }
  $('progress-text').textContent = parts.join(' · ');
  activity(p.text, p.done / p.total);
  if (p.phase === 'fit' && lossChart) {
    lossChart.data.labels.push(p.iteration);
    lossChart.data.datasets[0].data.push(p.loss);
    lossChart.data.datasets[1].data.push(p.recall);
    lossChart.update('none');
  }
}

// --- training ------------------------------------------------------------------------------------------------------

const splitText = (split) => (split.startsWith('temporal') ? 'each user’s latest 20%' : 'a random 20% per user');

function renderTiming(result) {
  const t = result.timing;
  const el = $('timing');
  const load = Number(el.dataset.loadSeconds || NaN);
  const parts = [];
  if (Number.isFinite(load)) parts.push(`loading ${fmt.seconds(load)}`);
  if (result.search) {
    parts.push(`${result.search.mode === 'auto' ? 'auto search' : 'screening α₀ and λ'} ` +
               `${fmt.seconds(t.searchSeconds)} (${result.search.trials.length} trials)`);
  }
  if (result.metrics) {
    parts.push(`training on 80% ${fmt.seconds(t.trainSeconds)}`,
               `Recall@10 during training ${fmt.seconds(t.evalSeconds)} (${fmt.int(result.sampleUsers)} sampled users)`,
               `evaluation on all held-out users ${fmt.seconds(t.finalEvalSeconds)}`,
               `training on all ratings ${fmt.seconds(t.refitSeconds)}`);
  } else {
    parts.push(`training ${fmt.seconds(t.trainSeconds)}`);
  }
  parts.push(`data profile, split and matrices ${fmt.seconds(t.setupSeconds)}`, `results ${fmt.seconds(t.installSeconds)}`);
  const line = parts.join(' · ');
  el.textContent = `${line[0].toUpperCase()}${line.slice(1)}. Total ${fmt.seconds(t.totalSeconds)}` +
    (Number.isFinite(load) ? `; from loading to recommendations ${fmt.seconds(load + t.totalSeconds)}.` : '.');
  Object.assign(el.dataset, {
    searchSeconds: String(t.searchSeconds), trainSeconds: String(t.trainSeconds), evalSeconds: String(t.evalSeconds),
    finalEvalSeconds: String(t.finalEvalSeconds), refitSeconds: String(t.refitSeconds),
    setupSeconds: String(t.setupSeconds), totalSeconds: String(t.totalSeconds), iterations: String(t.iterations),
    factors: String(result.model.factors), sampleUsers: String(result.sampleUsers || 0),
    trials: String(result.search?.trials.length || 0),
  });
  el.dataset.requested = JSON.stringify(result.requested);
}

/** A row of the run history: what was trained, how long it took, how it did against popularity, its search. */
function addRun(result) {
  const p = result.model.params;
  const m = result.metrics;
  runs.push({ params: p, metrics: m, timing: result.timing, search: result.search });
  const n = runs.length;
  const row = $('runs-body').insertRow(0);
  row.dataset.run = String(n);
  const cells = [String(n), new Date().toLocaleTimeString(), modeLabel(p.confidence).split(' (')[0],
    String(p.factors), fmt.param(p.regularization), fmt.param(p.alpha),
    p.confidence === 'ials' ? fmt.param(p.unobservedWeight) : '–', String(p.iterations), p.values,
    fmt.seconds(result.timing.totalSeconds),
    m ? `${fmt.num(m.als.recall)} / ${fmt.num(m.popularity.recall)}` : 'not measured',
    m ? `${fmt.num(m.als.ndcg)} / ${fmt.num(m.popularity.ndcg)}` : '–'];
  for (const text of cells) row.insertCell().textContent = text;
  const searchCell = row.insertCell();
  if (result.search) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'ghost small-button';
    b.dataset.run = String(n);
    b.textContent = `${result.search.mode}: ${result.search.trials.length} trials`;
    b.setAttribute('aria-controls', 'trials-panel');
    b.addEventListener('click', () => showTrials(runs[n - 1].search, `Search trials of run ${n}`));
    searchCell.append(b);
  } else {
    searchCell.textContent = 'none';
  }
  $('runs-panel').hidden = false;
}

/** Train with the form's parameters; `search`: 'screen' | 'none' (the checkbox) or 'auto' (the Auto button). */
async function train(mode) {
  const params = formParams();
  if (!params) return;
  const evaluate = $('p-evaluate').checked;
  const search = mode === 'auto' ? 'auto' : $('p-screen').checked ? 'screen' : 'none';
  const budgetSeconds = autoBudget();
  if (search === 'auto' && budgetSeconds === null) return;
  const ease = evaluate && $('p-ease').checked && !$('p-ease').disabled;
  await run(search === 'auto' ? 'searching' : 'training', async () => {
    clearError();
    $('loss-chart-box').hidden = false;
    renderNotes([]);
    showTrials(null, '');
    resetTrainingView('Preparing…');
    const chart = lossChart;
    if (chart) { chart.data.datasets[1].hidden = !evaluate; chart.options.scales.y1.display = evaluate; }
    try {
      const result = await ui.client.request(Request.TRAIN, { params, evaluate, search, budgetSeconds, ease },
                                             { onProgress: onTrainProgress });
      const t = result.timing;
      $('progress').max = 1;
      $('progress').value = 1;
      const searched = result.search ? `${result.search.mode === 'auto' ? 'Auto search' : 'Screen'}: ` +
        `${result.search.trials.length} trials, then ` : '';
      $('progress-text').textContent = `Done. ${searched}${result.model.params.iterations} iterations` +
        `${result.metrics ? ' on 80%, measured, then on all the ratings' : ''} in ${fmt.seconds(t.totalSeconds)}.`;
      renderNotes(result.notes);
      renderTiming(result);
      addRun(result);
      showTrials(result.search, `Search trials of run ${runs.length}`);
      hooks.modelArrived(result, `Trained on all ${fmt.int(result.interactions)} interactions of ${ui.dataName} · ` +
        `${describeParams(result.model.params)}` +
        (result.metrics ? ` · measured first on a hold-out of ${splitText(result.split)} (metrics below)` : ''));
      if (search === 'auto') bump('auto');
    } catch (error) {
      if (error.code === ErrorCode.CANCELLED) {
        $('progress').max = 1;
        $('progress').value = 0;
        $('progress-text').textContent = `${error.message.replace(/; the previous model is kept\.$/, '.')}` +
          `${ui.hasModel ? ' The previous model is kept.' : ''}`;
        bump('cancel');
      } else {
        $('progress-text').textContent = 'Stopped.';
        showError(error, '', { training: true });
      }
    }
  });
}

function autoBudget() {
  const el = $('auto-budget');
  const v = Number(el.value);
  if (!Number.isFinite(v) || v < Number(el.min) || v > Number(el.max)) {
    el.setAttribute('aria-invalid', 'true');
    showError(new ProtocolError(ErrorCode.INVALID_ARGUMENT, `The auto search budget must be ${el.min} to ${el.max} ` +
      'seconds.'), 'Check the parameters');
    return null;
  }
  el.removeAttribute('aria-invalid');
  return v;
}

function cancel() {
  ui.client.send(Request.CANCEL);
  $('progress-text').textContent = 'Cancelling after this step…';
}

export function initTraining(callbacks) {
  hooks = { ...hooks, ...callbacks };
  $('train').addEventListener('click', () => train('train'));
  $('auto').addEventListener('click', () => train('auto'));
  $('cancel').addEventListener('click', cancel);
  const relabel = () => { $('auto').textContent = `Auto (${Number($('auto-budget').value) || 0} s)`; };
  $('auto-budget').addEventListener('input', relabel);
  relabel();
  let timer = 0;
  $('params-form').addEventListener('input', (e) => {
    if (e.target.id === 'p-confidence') updateModeFields();
    if (e.target.id === 'auto-budget' || e.target.id === 'p-evaluate' || e.target.id === 'p-ease') return;
    clearTimeout(timer);
    timer = setTimeout(showDefaults, 250);
  });
  $('params-form').addEventListener('submit', (e) => { e.preventDefault(); train('train'); });
  resetTrainingView('Not started.');
}

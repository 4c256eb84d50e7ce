// Section "Train": the parameter form (empty fields take the engine's defaults), training with its phases and
// progress, the loss / Recall@10 chart, the history of this tab's runs, and the cancellable tuner.
import { ErrorCode, ProtocolError, Request, WorkerClient } from './protocol.js';
import { $, activity, bump, chartColors, clearError, fmt, run, showError, ui } from './page.js';

const MODE_LABELS = {
  ials: 'iALS (recommended)', implicit: 'implicit library’s ALS', hu: 'Hu et al. (1 + α × value)',
  log: 'Log confidence (1 + α log(1 + value/ε))', explicit: 'Explicit ALS-WR (predicts the values)',
};
const VALUE_LABELS = { raw: 'the values as they are', binary: 'binary: 1 for every interaction',
                       log: 'log(1 + value)' };
const TUNE_SECONDS = 20;

let hooks = { modelArrived: () => {} };
let lossChart = null;
let tuneClient = null;
const runs = [];

// --- the form ----------------------------------------------------------------------------------------------------

function fillSelect(select, values, labels, withDefault) {
  select.replaceChildren();
  if (withDefault) select.add(new Option('default', ''));
  for (const v of values) select.add(new Option(labels[v] || v, v));
}

/** The engine's menus (model kinds, value transforms, solvers) and defaults, once it has loaded. */
export function engineReady(info) {
  ui.engine = { choices: info.choices, modeDefaults: info.modeDefaults, defaults: info.defaults };
  const modes = Object.keys(info.modeDefaults);
  fillSelect($('p-confidence'), modes, MODE_LABELS, false);
  $('p-confidence').value = info.defaults.confidence;
  fillSelect($('p-values'), info.choices.values, VALUE_LABELS, true);
  showDefaults();
}

/** Which defaults empty fields take, for the chosen model kind. */
function showDefaults() {
  const mode = $('p-confidence').value;
  const d = ui.engine.modeDefaults[mode];
  $('f-unobserved').hidden = mode !== 'ials';
  if (!d) return;
  const parts = [`${d.factors} factors`, `regularization ${fmt.param(d.regularization)}`, `alpha ${fmt.param(d.alpha)}`];
  if (mode === 'ials') parts.push(`α₀ ${fmt.param(d.unobservedWeight)}`);
  parts.push(`${d.iterations} iterations`, `${d.values} values`, `${d.solver === 'cg' ? 'CG' : 'Cholesky'} solver`);
  $('param-defaults').textContent = `Empty fields use the engine’s defaults for ${MODE_LABELS[mode] || mode}: ` +
    `${parts.join(', ')}.`;
}

function readParams() {
  const num = (id, { min, max, integer, name }) => {
    const el = $(id);
    if (el.value.trim() === '') { el.removeAttribute('aria-invalid'); return undefined; }
    const v = Number(el.value);
    if (!Number.isFinite(v) || v < min || (max !== undefined && v > max) || (integer && !Number.isInteger(v))) {
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
    confidence,
    factors: num('p-factors', { min: 1, max: 512, integer: true, name: 'Factors' }),
    regularization: num('p-regularization', { min: 0, name: 'Regularization' }),
    alpha: num('p-alpha', { min: 0, name: 'Alpha' }),
    iterations: num('p-iterations', { min: 1, max: 500, integer: true, name: 'Iterations' }),
    values: $('p-values').value || undefined,
    solver: $('p-solver').value || undefined,
  };
  if (confidence === 'ials') params.unobservedWeight = num('p-unobserved', { min: 0, name: 'Unobserved weight' });
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
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

function onTrainProgress(p) {
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

function renderTiming(result, params) {
  const t = result.timing;
  const el = $('timing');
  const load = Number(el.dataset.loadSeconds || NaN);
  const parts = [];
  if (Number.isFinite(load)) parts.push(`loading ${fmt.seconds(load)}`);
  if (result.metrics) {
    parts.push(`training on 80% ${fmt.seconds(t.trainSeconds)}`,
               `Recall@10 during training ${fmt.seconds(t.evalSeconds)} (${fmt.int(result.sampleUsers)} sampled users)`,
               `evaluation on all held-out users ${fmt.seconds(t.finalEvalSeconds)}`,
               `training on all ratings ${fmt.seconds(t.refitSeconds)}`);
  } else {
    parts.push(`training ${fmt.seconds(t.trainSeconds)}`);
  }
  parts.push(`matrices ${fmt.seconds(t.setupSeconds)}`, `results ${fmt.seconds(t.installSeconds)}`);
  const line = parts.join(' · ');
  el.textContent = `${line[0].toUpperCase()}${line.slice(1)}. Total ${fmt.seconds(t.totalSeconds)}` +
    (Number.isFinite(load) ? `; from loading to recommendations ${fmt.seconds(load + t.totalSeconds)}.` : '.');
  Object.assign(el.dataset, {
    trainSeconds: String(t.trainSeconds), evalSeconds: String(t.evalSeconds),
    finalEvalSeconds: String(t.finalEvalSeconds), refitSeconds: String(t.refitSeconds),
    setupSeconds: String(t.setupSeconds), totalSeconds: String(t.totalSeconds), iterations: String(t.iterations),
    factors: String(result.model.factors), sampleUsers: String(result.sampleUsers || 0),
  });
  if (params) el.dataset.requested = JSON.stringify(params);
}

/** A row of the run history: what was trained, how long it took, and how it did against popularity. */
function addRun(result) {
  const p = result.model.params;
  const m = result.metrics;
  runs.push({ p, m, t: result.timing });
  const row = $('runs-body').insertRow(0);
  row.dataset.run = String(runs.length);
  const cells = [String(runs.length), new Date().toLocaleTimeString(), MODE_LABELS[p.confidence]?.split(' (')[0] ||
    p.confidence, String(p.factors), fmt.param(p.regularization), fmt.param(p.alpha),
    p.confidence === 'ials' ? fmt.param(p.unobservedWeight) : '–', String(p.iterations), p.values,
    fmt.seconds(result.timing.totalSeconds),
    m ? `${fmt.num(m.als.recall)} / ${fmt.num(m.popularity.recall)}` : 'not measured',
    m ? `${fmt.num(m.als.ndcg)} / ${fmt.num(m.popularity.ndcg)}` : '–'];
  for (const text of cells) row.insertCell().textContent = text;
  $('runs-panel').hidden = false;
}

async function train() {
  const params = formParams();
  if (!params) return;
  const evaluate = $('p-evaluate').checked;
  await run('training', async () => {
    clearError();
    $('loss-chart-box').hidden = false;
    resetTrainingView('Preparing…');
    const chart = lossChart;
    if (chart) { chart.data.datasets[1].hidden = !evaluate; chart.options.scales.y1.display = evaluate; }
    try {
      const result = await ui.client.request(Request.TRAIN, { params, evaluate }, { onProgress: onTrainProgress });
      const t = result.timing;
      $('progress').max = 1;
      $('progress').value = 1;
      $('progress-text').textContent = `Done: ${result.model.params.iterations} iterations` +
        `${result.metrics ? ' on 80%, measured, then on all the ratings' : ''} in ${fmt.seconds(t.totalSeconds)}.`;
      renderTiming(result, params);
      addRun(result);
      hooks.modelArrived(result, `Trained on all ${fmt.int(result.interactions)} interactions of ${ui.dataName} · ` +
        `${result.model.factors} factors · ${result.model.params.iterations} iterations` +
        (result.metrics ? ` · measured first on a hold-out of ${splitText(result.split)} (metrics below)` : ''));
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

// --- tuning ----------------------------------------------------------------------------------------------------------

function trialRow(t, index) {
  const row = document.createElement('tr');
  row.dataset.trial = String(index);
  for (const text of [String(index + 1), String(t.factors), fmt.param(t.unobservedWeight),
    fmt.param(t.regularization), fmt.param(t.regExponent), fmt.num(t.ndcg), fmt.seconds(t.seconds)]) {
    row.insertCell().textContent = text;
  }
  return row;
}

// Tune: the core's d-doubling search (iALS) on a validation split carved from the training part, in a worker of its
// own so that Cancel can stop it at once; the form is then filled with the winner.
async function tune() {
  const params = formParams();
  if (!params) return;
  await run('tuning', async () => {
    clearError();
    resetTrainingView('Tuning: loading the ratings in a tuning worker…');
    $('tune-panel').hidden = false;
    $('tune-trials').replaceChildren();
    let trials = 0;
    tuneClient = new WorkerClient(new Worker(new URL('./tune-worker.js', import.meta.url), { type: 'module' }));
    try {
      const source = await ui.client.request(Request.SOURCE, {});
      const result = await tuneClient.request(Request.TUNE, {
        bytes: source.bytes, name: source.name, options: source.options, hasTimestamps: source.hasTimestamps,
        params: { ...params, confidence: 'ials' }, budgetSeconds: TUNE_SECONDS,
      }, { transfer: [source.bytes.buffer], onProgress: (p) => {
        if (p.phase === 'search') {
          $('tune-trials').append(trialRow(p.last, trials++));
          $('progress').value = Math.min(1, p.elapsed / p.budget);
          $('progress-text').textContent = `Tuning: ${p.trialsDone} trials, best validation NDCG@10 ` +
            `${fmt.num(p.best.ndcg)} (factors ${p.best.factors}) · ${fmt.seconds(p.elapsed)} of ` +
            `${fmt.seconds(p.budget)}`;
          activity('Tuning…', p.elapsed / p.budget);
        } else {
          $('progress-text').textContent = p.text;
          activity(p.text);
        }
      } });
      const best = result.params;
      for (const [id, v] of [['p-factors', best.factors], ['p-regularization', best.regularization],
        ['p-alpha', best.alpha], ['p-unobserved', best.unobservedWeight], ['p-iterations', best.iterations]]) {
        $(id).value = fmt.param(v);
      }
      $('p-confidence').value = 'ials';
      showDefaults();
      $('tune-trials').querySelector(`[data-trial="${result.best}"]`)?.classList.add('best');
      $('progress').value = 1;
      $('progress-text').textContent = `Tuned in ${result.trials.length} trials: factors ${best.factors}, ` +
        `α₀ ${fmt.num(best.unobservedWeight)}, regularization ${fmt.num(best.regularization)} ` +
        `(validation NDCG@10 ${fmt.num(result.validation)}; on the held-out test split Recall@10 ` +
        `${fmt.num(result.metrics.recall)}, NDCG@10 ${fmt.num(result.metrics.ndcg)}). The form now holds these ` +
        'settings: press Train.';
      bump('tune');
    } catch (error) {
      if (error.code === ErrorCode.CANCELLED) {
        $('progress-text').textContent = `Tuning cancelled after ${trials} trials; the form is unchanged.`;
        bump('cancel');
      } else {
        $('progress-text').textContent = 'Stopped.';
        showError(error, 'Tuning did not work');
      }
    } finally {
      tuneClient.terminate(new ProtocolError(ErrorCode.CANCELLED, 'the tuning worker has ended'));
      tuneClient = null;
    }
  });
}

function cancel() {
  if (ui.busy === 'tuning' && tuneClient) {
    tuneClient.terminate(new ProtocolError(ErrorCode.CANCELLED, 'Tuning cancelled.'));
    return;
  }
  ui.client.send(Request.CANCEL);
  $('progress-text').textContent = 'Cancelling after this iteration…';
}

export function initTraining(callbacks) {
  hooks = { ...hooks, ...callbacks };
  $('tune').textContent = `Tune (${TUNE_SECONDS} s search)`;
  $('train').addEventListener('click', train);
  $('tune').addEventListener('click', tune);
  $('cancel').addEventListener('click', cancel);
  $('p-confidence').addEventListener('change', showDefaults);
  $('params-form').addEventListener('submit', (e) => { e.preventDefault(); train(); });
  resetTrainingView('Not started.');
}


// What every section of the page shares: its state, formatting, errors, the busy flag and which controls it
// enables, the activity bar at the top, step numbers, and keeping keyboard focus where the action happened.
import { ErrorCode } from './protocol.js';

export const $ = (id) => document.getElementById(id);
export const K = 10;

const intFormat = new Intl.NumberFormat('en-US');
export const fmt = {
  int: (x) => intFormat.format(x),
  num: (x, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : '–'),
  seconds: (s) => (s < 1 ? `${Math.round(s * 1000)} ms` : s < 60 ? `${s.toFixed(s < 10 ? 2 : 1)} s`
    : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`),
  bytes: (b) => (b < 1024 ** 2 ? `${(b / 1024).toFixed(1)} KB` : `${(b / 1024 ** 2).toFixed(1)} MB`),
  /** A parameter value as the form would show it: 0.1, not 0.10000000149. */
  param: (x) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x)),
};

export const ui = {
  client: null,          // WorkerClient of worker.js
  engineReady: false,
  engineFailed: false,
  busy: '',              // '' | 'loading' | 'training' | 'searching' | 'exporting'
  hasData: false,
  hasModel: false,
  canRetry: false,       // a ratings file failed to load: "Load again with these settings" retries it
  summary: null,         // the loaded data's summary
  profile: null,         // the engine's profile of it (value kind with evidence, binned values, shape)
  dataName: '',
  dataEase: null,        // {items, bytes, fits, reason}: whether EASE is offered for the loaded data
  resolved: null,        // the parameters the loaded data gets for the form (the engine's resolve)
  model: null,           // modelInfo of the model shown
  users: [],
  parameters: [],        // the engine's parameter table (names, limits, choices, help)
};

/** The page's colours (CSS variables) for the charts. */
export function chartColors() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return { accent: v('--accent'), accent2: v('--accent-2'), text: v('--muted'), grid: v('--grid'), dot: v('--dot') };
}

/** body[data-<name>-version] counts completed events (data loaded, model ready, error shown...): test hooks. */
export function bump(name) {
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

export function showError(error, context = '', { training = false } = {}) {
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

export function clearError() {
  $('error').hidden = true;
}

// A control that is busy is marked aria-disabled instead of disabled while it has the focus: disabling the
// focused element would drop the focus to <body>. A capture listener swallows clicks on such controls.
function setEnabled(el, enabled) {
  const soft = !enabled && document.activeElement === el;
  el.disabled = !enabled && !soft;
  if (soft) el.setAttribute('aria-disabled', 'true');
  else el.removeAttribute('aria-disabled');
}
document.addEventListener('click', (e) => {
  if (e.target.closest?.('[aria-disabled="true"]')) { e.preventDefault(); e.stopImmediatePropagation(); }
}, true);

export function updateControls() {
  const idle = ui.engineReady && !ui.busy;
  for (const id of ['demo', 'ratings-file', 'items-file', 'model-file']) setEnabled($(id), idle);
  setEnabled($('format-apply'), idle && (ui.hasData || ui.canRetry));
  setEnabled($('min-rating-apply'), idle && ui.hasData);
  setEnabled($('train'), idle && ui.hasData);
  setEnabled($('auto'), idle && ui.hasData);
  setEnabled($('cancel'), ui.busy === 'training' || ui.busy === 'searching');
  setEnabled($('download-model'), idle && ui.hasModel);
  setEnabled($('download-csv'), idle && ui.hasModel);
  $('train-hint').textContent = ui.engineFailed ? 'The engine is not available: reload the page.'
    : !ui.engineReady ? 'Waiting for the engine…'
    : ui.busy === 'loading' ? 'Reading the file…'
    : ui.busy === 'training' ? 'Training in the background; the page stays usable.'
    : ui.busy === 'searching' ? 'Searching in the background; Cancel stops after the running trial.'
    : ui.hasData ? '' : 'Choose data first.';
  document.body.classList.toggle('is-busy', Boolean(ui.busy));
}

export async function run(busy, task) {
  if (ui.busy) return undefined;
  ui.busy = busy;
  updateControls();
  try {
    return await task();
  } finally {
    ui.busy = '';
    updateControls();
    activity(null);
  }
}

/** The activity bar at the top of the page (what the engine is doing); null hides it. */
export function activity(text, fraction = null) {
  const bar = $('activity');
  bar.hidden = text === null;
  if (text === null) return;
  $('activity-text').textContent = text;
  const p = $('activity-progress');
  if (fraction === null || !Number.isFinite(fraction)) p.removeAttribute('value');  // indeterminate
  else p.value = Math.max(0, Math.min(1, fraction));
}

/** The visible sections are numbered 1, 2, 3… in page order (results and rate-yourself appear with a model). */
export function renumberSteps() {
  let n = 0;
  for (const step of document.querySelectorAll('section.card .step')) {
    if (!step.closest('section').hidden) step.textContent = String(++n);
  }
}

/**
 * Re-render a list without losing the keyboard focus: the focused element's data-focus-key is remembered and
 * the element with the same key (or `fallback`) gets the focus back.
 */
export function keepingFocus(render, fallback = null) {
  const key = document.activeElement?.dataset?.focusKey;
  render();
  if (key === undefined) return;
  const again = document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  (again || fallback)?.focus();
}

// The page: UI only. Everything that touches the wasm module happens in worker.js; we talk to it through protocol.js and render plain data. One module per section of the page: data-section.js,
// training-section.js, results-section.js, rate-section.js, files-section.js; page.js holds what they share.
// Charts use Chart.js (vendor/chart.umd.min.js, a classic script → window.Chart).
import { ErrorCode, ProtocolError, WorkerClient } from './protocol.js';
import { $, renumberSteps, showError, ui, updateControls } from './page.js';
import { initData } from './data-section.js';
import { engineReady, initTraining, resetTrainingView, showDefaults, updateEaseChoice } from './training-section.js';
import { initResults, modelReady, refreshAfterDataChange } from './results-section.js';
import { initRate, renderRate } from './rate-section.js';
import { initFiles } from './files-section.js';

function startWorker() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  ui.client = new WorkerClient(worker, {
    onReady: (info) => {
      ui.engineReady = true;
      engineReady(info);
      $('engine-status').textContent = `Engine ready · alsrec ${info.version}${info.simd ? ' · SIMD' : ''}` +
        `${info.threads > 1 ? ` · ${info.threads} threads` : ''}`;
      $('engine-status').classList.add('ok');
      $('footer-line').textContent = `alsrec ${info.version} · ALS in WebAssembly · charts by Chart.js · ` +
        'zip and gzip by fflate';
      updateControls();
    },
    onFatal: (error) => {
      Object.assign(ui, { engineReady: false, engineFailed: true, busy: '' });
      $('engine-status').textContent = 'Engine not available';
      $('engine-status').classList.add('bad');
      showError(error.code === ErrorCode.LOAD_FAILED ? error
        : new ProtocolError(ErrorCode.LOAD_FAILED, 'The recommender engine could not be started in this browser ' +
          `(${error.message}). Reload the page; a recent Chrome, Edge, Firefox or Safari is needed.`));
      updateControls();
    },
  });
}

function modelArrived(result, line) {
  modelReady(result, line);
  renderRate();
}

/** New ratings: a model is kept (and says whether they are its data); without one, the results wait for training. */
function dataChanged(result) {
  resetTrainingView('Ready to train.');
  updateEaseChoice();
  showDefaults();
  if (ui.hasModel && result.model) {
    refreshAfterDataChange(result);
    renderRate();
    $('files-status').textContent = `The model from before is kept. ${$('model-relation').textContent}`;
  } else {
    $('results').hidden = true;
    $('rate').hidden = true;
  }
  renumberSteps();
}

function titlesChanged(result) {
  if (!ui.hasModel || !result.model) return;
  refreshAfterDataChange(result);
  renderRate();
}

startWorker();
$('error-dismiss').addEventListener('click', () => {
  $('error').hidden = true;
  $('main').focus();  // the dismissed banner held the focus
});
initData({ dataChanged, modelArrived, titlesChanged });
initTraining({ modelArrived });
initResults();
initRate();
initFiles({ modelArrived });
renumberSteps();
updateControls();

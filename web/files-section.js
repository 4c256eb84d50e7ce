// Section "Save and load": the model file (the one the results show: after a hold-out run, the model trained
// again on all the ratings), every user's top-10 as CSV, and loading a model file.
import { Request } from './protocol.js';
import { $, activity, fmt, K, run, showError, ui } from './page.js';

let hooks = { modelArrived: () => {} };

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
      const { bytes, source } = await ui.client.request(Request.SAVE_MODEL, {});
      download(bytes, 'alsrec-model.alsr', 'application/octet-stream');
      $('files-status').textContent = `Model file saved (${fmt.bytes(bytes.length)}): the model the results show, ` +
        `${source}${/^trained in this tab/.test(source) ? ', on all its ratings' : ''}.`;
    } catch (error) {
      showError(error);
    }
  });
}

async function downloadCsv() {
  await run('exporting', async () => {
    try {
      $('files-status').textContent = 'Computing recommendations for every user…';
      activity('Computing the top 10 of every user…');
      const result = await ui.client.request(Request.EXPORT_RECOMMENDATIONS, { n: K }, {
        onProgress: (p) => { $('files-status').textContent = `Writing… ${fmt.int(p.done)} of ${fmt.int(p.total)} users`; },
      });
      download(result.bytes, 'alsrec-recommendations.csv', 'text/csv');
      $('files-status').textContent = `Top-${K} lists for ${fmt.int(result.users)} users saved ` +
        `(${fmt.bytes(result.bytes.length)}).`;
    } catch (error) {
      $('files-status').textContent = '';
      showError(error);
    }
  });
}

async function loadModelFile(file) {
  await run('loading', async () => {
    try {
      const result = await ui.client.request(Request.LOAD_MODEL, { file });
      const m = result.model;
      hooks.modelArrived({ ...result, metrics: null }, `Loaded ${file.name} · ${fmt.int(m.users)} users · ` +
        `${fmt.int(m.items)} items · ${m.factors} factors`);
      $('files-status').textContent = `Model ${file.name} loaded. ${$('model-relation').textContent}`;
      $('results').scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (error) {
      showError(error, `${file.name} could not be loaded as a model`);
    }
  });
}

export function initFiles(callbacks) {
  hooks = { ...hooks, ...callbacks };
  $('download-model').addEventListener('click', downloadModel);
  $('download-csv').addEventListener('click', downloadCsv);
  $('model-file').addEventListener('change', () => {
    const file = $('model-file').files?.[0];
    if (file) loadModelFile(file);
    $('model-file').value = '';
  });
}

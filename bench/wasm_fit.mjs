// Target 7: fit time of the WebAssembly module in node (through the site's alsrec_api.js), to compare with the
// native CLI's single-thread fit on the same data and parameters (bench/wasm_vs_native.sh runs both).
//
//   node bench/wasm_fit.mjs SITE_DIR RATINGS.csv [iterations] [repeat] [single|multi] [PARAMS_JSON]
// ('multi': the threaded module alsrec-mt, which needs SharedArrayBuffer: node has it.)
// Prints JSON: {simd, threads, fit_runs_seconds, fit_best_seconds, fit_median_seconds, users, items, interactions}.
// Parameters: `implicit`'s model (confidence implicit, binary values, alpha 1, λ 0.1, constant λ), factors 64, CG,
// with the loss after each iteration (as the page computes it) — the same as the native `alsrec bench` it is
// compared with (bench/wasm_vs_native.sh, without --no-loss). With PARAMS_JSON (e.g. '{"factors":256,"solver":
// "subspace"}') the engine's own defaults for the data (what the page trains with) plus those instead.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [site, ratings, iterationsArg = '20', repeatArg = '3', threads = 'single', paramsArg] = process.argv.slice(2);
if (!site || !ratings) {
  console.error('usage: node bench/wasm_fit.mjs SITE_DIR RATINGS.csv [iterations] [repeat] [single|multi]');
  process.exit(2);
}
const { loadAlsrec } = await import(pathToFileURL(resolve(site, 'alsrec_api.js')).href);
// Node only: Emscripten 3.1.6 writes the pthread worker (alsrec-mt.worker.js) as a CommonJS script, but the site's
// package.json says "type": "module", so node refuses it ("require is not defined in ES module scope"). A .cjs copy
// of the worker, handed over through locateFile, runs. Browsers do not read package.json.
let options = { threads };
if (threads === 'multi') {
  const { copyFileSync } = await import('node:fs');
  const worker = resolve(site, 'alsrec-mt.worker.cjs');
  copyFileSync(resolve(site, 'alsrec-mt.worker.js'), worker);
  options = {
    threads, wasmBinary: readFileSync(resolve(site, 'alsrec-mt.wasm')),
    locateFile: (f) => (f.endsWith('.worker.js') ? worker : resolve(site, f)),
  };
}
const api = await loadAlsrec(options);
const dataset = api.loadRatings(readFileSync(ratings), { sourceName: ratings });
const params = paramsArg ? { ...JSON.parse(paramsArg), iterations: Number(iterationsArg) } : {
  confidence: 'implicit', values: 'binary', alpha: 1, regularization: 0.1, regExponent: 0, factors: 64,
  iterations: Number(iterationsArg), solver: 'cg', cgSteps: 3,
};
const runs = [];
for (let rep = 0; rep < Number(repeatArg); ++rep) {
  const experiment = api.createExperiment(dataset, params, { split: 'none', search: 'none' });
  let seconds = 0;
  try {
    while (!experiment.done) seconds += experiment.step().seconds;
  } finally {
    experiment.delete();
  }
  runs.push(seconds);
}
const sorted = [...runs].sort((a, b) => a - b);
console.log(JSON.stringify({
  simd: api.simd, threads: api.threads, params, fit_runs_seconds: runs, fit_best_seconds: sorted[0],
  fit_median_seconds: sorted[Math.floor(sorted.length / 2)],
}, null, 2));
dataset.delete();
process.exit(0);  // the threaded module's pool workers would keep node alive

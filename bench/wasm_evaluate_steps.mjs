// The page's final evaluation, a slice at a time, in the single-threaded WebAssembly module in node (through the
// site's alsrec_api.js): how long one Experiment.evaluateStep takes, which is how often the page's progress line
// moves and how long Cancel can wait at most.
//
//   node bench/wasm_evaluate_steps.mjs SITE_DIR RATINGS.csv [steps]
// Fits 2 iterations with the data's defaults and no screen on a random:0.2 split, then times `steps` (default 4)
// calls of evaluateStep(256) (each ranks at least one whole block of users). Prints JSON.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [site, ratings, stepsArg = '4'] = process.argv.slice(2);
if (!site || !ratings) {
  console.error('usage: node bench/wasm_evaluate_steps.mjs SITE_DIR RATINGS.csv [steps]');
  process.exit(2);
}
const { loadAlsrec } = await import(pathToFileURL(resolve(site, 'alsrec_api.js')).href);
const api = await loadAlsrec({ wasmBinary: readFileSync(resolve(site, 'alsrec.wasm')) });
const seconds = (t0) => (performance.now() - t0) / 1000;

let t0 = performance.now();
const dataset = api.loadRatings(new Uint8Array(readFileSync(ratings)), {});
const loadSeconds = seconds(t0);
const experiment = api.createExperiment(dataset, { iterations: 2 }, { split: 'random:0.2', search: 'none' });
try {
  t0 = performance.now();
  while (!experiment.done) experiment.step();
  const fitSeconds = seconds(t0);
  const steps = [];
  let p;
  for (let i = 0; i < Number(stepsArg); i++) {
    t0 = performance.now();
    p = experiment.evaluateStep(256);
    steps.push({ users_done: p.usersDone, seconds: seconds(t0) });
    if (p.done) break;
  }
  console.log(JSON.stringify({ load_seconds: loadSeconds, fit_seconds: fitSeconds, factors: experiment.params.factors,
                               users: p.users, steps }));
} finally {
  experiment.delete();
  dataset.delete();
}

// Target 7: fit time of the WebAssembly module in node (through the site's alsrec_api.js), to compare with the
// native CLI's single-thread fit on the same data and parameters (bench/wasm_vs_native.sh runs both).
//
//   node bench/wasm_fit.mjs SITE_DIR RATINGS.csv [iterations] [repeat]
// Prints JSON: {simd, threads, fit_runs_seconds, fit_best_seconds, fit_median_seconds, users, items, interactions}.
// Parameters: `implicit`'s model (confidence implicit, binary values, alpha 1, λ 0.1, constant λ), factors 64, CG,
// no loss — the same as the native `alsrec bench ... --no-loss` it is compared with.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [site, ratings, iterationsArg = '20', repeatArg = '3'] = process.argv.slice(2);
if (!site || !ratings) {
  console.error('usage: node bench/wasm_fit.mjs SITE_DIR RATINGS.csv [iterations] [repeat]');
  process.exit(2);
}
const { loadAlsrec } = await import(pathToFileURL(resolve(site, 'alsrec_api.js')).href);
const api = await loadAlsrec();
const dataset = api.loadRatings(readFileSync(ratings), { sourceName: ratings });
const params = {
  confidence: 'implicit', values: 'binary', alpha: 1, regularization: 0.1, regExponent: 0, factors: 64,
  iterations: Number(iterationsArg), solver: 'cg', cgSteps: 3, computeLoss: false,
};
const runs = [];
for (let rep = 0; rep < Number(repeatArg); ++rep) {
  const trainer = api.createTrainer(dataset, params, { split: 'none' });
  let seconds = 0;
  try {
    while (!trainer.done) seconds += trainer.step().seconds;
  } finally {
    trainer.delete();
  }
  runs.push(seconds);
}
const sorted = [...runs].sort((a, b) => a - b);
console.log(JSON.stringify({
  simd: api.simd, threads: api.threads, params, fit_runs_seconds: runs, fit_best_seconds: sorted[0],
  fit_median_seconds: sorted[Math.floor(sorted.length / 2)],
}, null, 2));
dataset.delete();

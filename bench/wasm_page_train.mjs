// Issue 14's target 5 end to end: the page's Train button (web/worker-model.js, TRAIN) under node, through the
// site's alsrec_api.js with the single-threaded module: the default screen, the fit on the train part of
// temporal:0.2, the evaluation, the refit on all ratings. Prints JSON with each phase's seconds per run.
//
//   node bench/wasm_page_train.mjs SITE_DIR RATINGS.csv [PARAMS_JSON] [repeat]
//   e.g. node bench/wasm_page_train.mjs build/wasm/site ../shared/data/ml-latest-small/ratings.csv '{"factors":256}' 3
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [site, ratings, paramsArg = '{}', repeat = '3'] = process.argv.slice(2);
const { loadAlsrec } = await import(pathToFileURL(resolve(site, 'alsrec_api.js')).href);
const api = await loadAlsrec({ threads: 'single' });
const dataset = api.loadRatings(readFileSync(ratings), { sourceName: ratings });
const params = JSON.parse(paramsArg);
const out = [];
for (let r = 0; r < Number(repeat); ++r) {
  const t0 = performance.now();
  const e = api.createExperiment(dataset, params, { k: 10, split: 'temporal:0.2', search: 'screen', baselines: 'popularity' });
  while (e.searching) e.searchStep();
  const t1 = performance.now();
  const chosen = e.params;
  while (!e.done) e.step();
  const t2 = performance.now();
  const rep = e.evaluate();
  e.delete();
  const t3 = performance.now();
  const full = api.createExperiment(dataset, chosen, { split: 'none', search: 'none', baselines: 'none' });
  while (!full.done) full.step();
  const m = full.model(); m.delete(); full.delete();
  const t4 = performance.now();
  out.push({ total: +((t4 - t0) / 1000).toFixed(2), screen: +((t1 - t0) / 1000).toFixed(2), fit: +((t2 - t1) / 1000).toFixed(2),
             evaluate: +((t3 - t2) / 1000).toFixed(2), refit: +((t4 - t3) / 1000).toFixed(2),
             factors: chosen.factors, iterations: chosen.iterations, solver: chosen.solver,
             recall: +rep.model.recall.toFixed(4), ndcg: +rep.model.ndcg.toFixed(4) });
}
console.log(JSON.stringify({ params, runs: out }));

// Issue 14's target 5 against the page as it was when the issue was filed (409bd5a, before the subspace work):
// that page's Train (its web/worker.js) under node, through the old site's alsrec_api.js with the single-threaded
// module: createTrainer on temporal:0.2, one step per iteration with Recall@10 after each, then the final metrics
// and the model. No screen and no refit existed then. Prints JSON with the fit's and the whole Train's seconds.
//
//   git worktree add /tmp/alsrec-409bd5a 409bd5a && cd /tmp/alsrec-409bd5a && ln -s "$OLDPWD/node_modules" &&
//     NODE_PATH=/usr/share/nodejs cmake --preset wasm && cmake --build build/wasm -j2 && cd - &&
//   node bench/wasm_old_page_train.mjs /tmp/alsrec-409bd5a/build/wasm/site ../shared/data/ml-latest-small/ratings.csv \
//     '{"factors":128}' 3
// Compare with today's page: node bench/wasm_page_train.mjs build/wasm/site RATINGS '{"factors":256}' 3
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [site, ratings, paramsArg = '{}', repeat = '3'] = process.argv.slice(2);
const { loadAlsrec } = await import(pathToFileURL(resolve(site, 'alsrec_api.js')).href);
const api = await loadAlsrec({ threads: 'single' });
const dataset = api.loadRatings(readFileSync(ratings), { sourceName: ratings });
const params = JSON.parse(paramsArg);
const seconds = (ms) => +(ms / 1000).toFixed(2);
const out = [];
for (let r = 0; r < Number(repeat); ++r) {
  const t0 = performance.now();
  const trainer = api.createTrainer(dataset, params, { split: 'temporal:0.2', splitSeed: params.seed ?? 42 });
  let fit = 0, perIteration = 0;
  while (!trainer.done) {
    const a = performance.now();
    trainer.step();
    const b = performance.now();
    trainer.evaluate(10);
    fit += b - a;
    perIteration += performance.now() - b;
  }
  const metrics = trainer.evaluate(10);
  trainer.popularity(10);
  const model = trainer.model();
  model.delete();
  const p = trainer.params;
  trainer.delete();
  out.push({ total: seconds(performance.now() - t0), fit: seconds(fit), recall_each_iteration: seconds(perIteration),
             factors: p.factors, iterations: p.iterations, solver: p.solver,
             recall: +metrics.recall.toFixed(4), ndcg: +(metrics.ndcg ?? 0).toFixed(4) });
}
console.log(JSON.stringify({ params, runs: out }));

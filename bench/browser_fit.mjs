// Target 7 in Chromium: fit time of the single-threaded and the threaded module in a cross-origin isolated page.
//   node bench/browser_fit.mjs SITE_DIR RATINGS.csv [iterations]
// SITE_DIR must hold alsrec_api.js, alsrec.{js,wasm} and (for the threaded run) alsrec-mt.{js,wasm,worker.js}, plus a
// copy of RATINGS.csv named ratings.csv (the page fetches it). Serves SITE_DIR with web/serve.mjs --isolated
// (COOP/COEP), opens it in headless Chromium (playwright-core, /usr/bin/chromium) and trains in the page.
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const [site, , iterations = '20'] = process.argv.slice(2);
const server = spawn(process.execPath, ['web/serve.mjs', '--port', '0', '--dir', site, '--isolated']);
const url = await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => { const m = /(http:\/\/\S+)/.exec(String(d)); if (m) ok(m[1]); });
  server.on('exit', () => fail(new Error('server exited')));
});
const browser = await chromium.launch({ executablePath: process.env.ALSREC_CHROMIUM || '/usr/bin/chromium' });
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(url + 'package.json');
  for (const threads of ['single', 'multi']) {
    const result = await page.evaluate(async ({ threads, iterations }) => {
      const { loadAlsrec } = await import('./alsrec_api.js');
      const api = await loadAlsrec({ threads });
      const bytes = new Uint8Array(await (await fetch('./ratings.csv')).arrayBuffer());
      const dataset = api.loadRatings(bytes, { sourceName: 'ratings.csv' });
      const params = { confidence: 'implicit', values: 'binary', alpha: 1, regularization: 0.1, regExponent: 0,
        factors: 64, iterations, solver: 'cg', cgSteps: 3 };
      const runs = [];
      for (let rep = 0; rep < 3; ++rep) {
        const experiment = api.createExperiment(dataset, params, { split: 'none', search: 'none' });
        let seconds = 0;
        while (!experiment.done) seconds += experiment.step().seconds;
        experiment.delete();
        runs.push(seconds);
      }
      dataset.delete();
      return { threads: api.threads, simd: api.simd, isolated: crossOriginIsolated, runs };
    }, { threads, iterations: Number(iterations) });
    console.log(JSON.stringify({ requested: threads, ...result, best: Math.min(...result.runs) }));
  }
} finally {
  await browser.close();
  server.kill();
}

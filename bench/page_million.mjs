// The page on a million rows (issue 11): upload → first recommendations in headless Chromium with the default
// settings, against the native CLI's `evaluate` + `train` on the same file, settings and cores. The page with
// "hold out 20%" on (its default) screens α₀ and λ, fits on the 80%, measures, and fits again on all the ratings;
// the CLI needs `evaluate` (screen, fit, measure) and then `train` (screen, fit) for the same two models.
//
//   node bench/page_million.mjs [--cli build/native/alsrec] [--site build/wasm/site] [--interactions 1000000]
//                               [--runs 1] [--work DIR]
//
// The file: `alsrec generate --users 6040 --items 3706 --interactions N --seed 7` (MovieLens-1M's shape). The page is
// served cross-origin isolated (web/serve.mjs --isolated), so it runs the threaded module on every core the browser
// offers, as the CLI does by default. Prints one JSON line per measurement and a summary line with the ratio.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch, openApp, startServer } from '../tests/e2e/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const cli = resolve(args.cli || 'build/native/alsrec');
const site = resolve(args.site || 'build/wasm/site');
const interactions = Number(args.interactions || 1_000_000);
const runs = Number(args.runs || 1);
for (const [what, path] of [['native CLI', cli], ['site', join(site, 'alsrec-mt.wasm')]]) {
  if (!existsSync(path)) throw new Error(`${what} not found at ${path}: build the native and wasm presets first`);
}
const work = args.work || mkdtempSync(join(tmpdir(), 'alsrec-page-million-'));
mkdirSync(work, { recursive: true });
const ratings = join(work, `ratings-${interactions}.csv`);

function timed(argv) {
  const t0 = performance.now();
  const r = spawnSync(cli, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`alsrec ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds, json: argv.includes('--json') ? JSON.parse(r.stdout) : null };
}

if (!existsSync(ratings)) {
  timed(['generate', '--users', '6040', '--items', '3706', '--interactions', String(interactions), '--seed', '7',
         '--output', ratings]);
}

// --- native: evaluate (hold out, screen, fit, measure) + train (screen, fit on all), default settings ----------
function native() {
  const evaluate = timed(['evaluate', '--input', ratings, '--json']);
  const train = timed(['train', '--input', ratings, '--output', join(work, 'model.alsr'), '--json']);
  const e = evaluate.json, t = train.json;
  return { evaluateSeconds: evaluate.seconds, trainSeconds: train.seconds, seconds: evaluate.seconds + train.seconds,
           phases: { evaluateScreen: e.screen?.seconds, evaluateFit: e.fit_seconds, trainScreen: t.screen?.seconds,
                     trainFit: t.fit_seconds },
           threads: e.params.threads, params: e.params, screenTrials: e.screen?.trials.length ?? 0,
           recall: e.metrics['recall@10'], ndcg: e.metrics['ndcg@10'], popularityRecall: e.baseline.popularity['recall@10'] };
}

// --- the page: pick the file, press Train with the defaults, wait for the first recommendations ----------------
async function page() {
  const server = await startServer(site, { isolated: true });
  const browser = await launch();
  try {
    const p = browser.page;
    await openApp(p, server.url);
    const threads = await p.textContent('#engine-status');
    const t0 = Date.now();
    await p.setInputFiles('[data-testid=ratings-file]', ratings);
    await p.waitForFunction(() => Number(document.body.getAttribute('data-data-version') || 0) > 0, null,
                            { timeout: 600_000 });
    const loaded = Date.now();
    await p.click('[data-testid=train]');
    await p.waitForSelector('[data-testid=recommendations] li', { timeout: 1_800_000 });
    const shown = Date.now();
    if (await p.isVisible('[data-testid=error]')) throw new Error(await p.textContent('[data-testid=error]'));
    const timing = await p.$eval('[data-testid=timing]', (el) => ({ ...el.dataset, text: el.textContent }));
    const recall = Number(await p.textContent('[data-testid=metrics] tr[data-metric=recall] td:nth-child(2)'));
    const ndcg = Number(await p.textContent('[data-testid=metrics] tr[data-metric=ndcg] td:nth-child(2)'));
    const row = await p.$eval('[data-testid=runs] tbody tr[data-run]', (tr) => [...tr.cells].map((c) => c.textContent));
    return { seconds: (shown - t0) / 1000, loadSeconds: (loaded - t0) / 1000, trainToShownSeconds: (shown - loaded) / 1000,
             engine: threads, runRow: row, recall, ndcg, timing };
  } finally {
    await browser.close();
    server.stop();
  }
}

const results = [];
for (let r = 0; r < runs; ++r) {
  const n = native();
  console.log(JSON.stringify({ what: 'native evaluate + train', run: r + 1, ...n }));
  const w = await page();
  console.log(JSON.stringify({ what: 'page upload -> recommendations', run: r + 1, ...w }));
  results.push({ native: n.seconds, page: w.seconds });
}
const best = (key) => Math.min(...results.map((x) => x[key]));
console.log(`${interactions.toLocaleString('en-US')} interactions: page ${best('page').toFixed(1)} s, native evaluate + ` +
            `train ${best('native').toFixed(1)} s (best of ${runs}): ratio ${(best('page') / best('native')).toFixed(2)}`);
if (!args.work) rmSync(work, { recursive: true, force: true });

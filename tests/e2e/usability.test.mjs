// What a person meets on the page: a form that does not change under their eyes, the CLI's model kinds and data
// options, a history of runs, accent-blind search, rate-yourself where only likes count and each "because you
// liked" is the engine's explain for that item, focus that stays where the action happened, a map that works from
// the keyboard, step numbers that count 1, 2, 3, and a phone layout with every result column and finger-sized stars.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { ARTIFACTS, launch, listedItems, nextVersion, openApp, screenshot, setParams, similarMatch, SITE_DIR,
         startServer, summaryStats, train } from './harness.mjs';
import { file, movielensLike } from './datasets.mjs';

let server, browser, page;
before(async () => {
  server = await startServer();
  browser = await launch();
  page = browser.page;
  // The parameter fields as first painted, before the engine has loaded.
  await page.addInitScript(() => document.addEventListener('DOMContentLoaded', () => {
    window.__firstForm = ['p-factors', 'p-regularization', 'p-iterations', 'p-alpha'].map((id) => {
      const el = document.getElementById(id);
      return el.value || el.placeholder;
    });
  }));
  await openApp(page, server.url);
});
after(async () => { await browser?.close(); server?.stop(); });

const movielens = movielensLike();
const visibleSteps = () => page.$$eval('section.card .step', (els) => els.filter((e) => !e.closest('section').hidden)
  .map((e) => e.textContent));

test('the parameter fields do not change when the engine loads; the defaults are said in words', async () => {
  const first = await page.evaluate(() => window.__firstForm);
  const now = await page.evaluate(() => ['p-factors', 'p-regularization', 'p-iterations', 'p-alpha'].map((id) => {
    const el = document.getElementById(id);
    return el.value || el.placeholder;
  }));
  assert.deepEqual(now, first);
  assert.deepEqual(now, ['from the data', 'from the data', 'from the data', 'from the data']);
  assert.match(await page.textContent('[data-testid=param-defaults]'), /^Empty fields are decided from the data once a/);
  assert.deepEqual(await visibleSteps(), ['1', '2', '3'], 'data, train, save: numbered 1, 2, 3');
});

test('the CLI\'s model kinds and value transforms are offered; each run lands in the history', async () => {
  const modes = await page.$$eval('#p-confidence option', (os) => os.map((o) => o.value));
  for (const m of ['ials', 'implicit', 'hu', 'log', 'explicit']) assert.ok(modes.includes(m), `${m} in ${modes}`);
  const values = await page.$$eval('#p-values option', (os) => os.map((o) => o.value));
  for (const v of ['raw', 'binary']) assert.ok(values.includes(v), `${v} in ${values}`);
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]',
                                                            file('ratings.csv', movielens.ratings)));
  // The defaults for this file, in words, from the engine (what the CLI would use).
  await page.waitForFunction(() => /^For ratings\.csv:/.test(document.querySelector('[data-testid=param-defaults]')
    .textContent));
  assert.match(await page.textContent('[data-testid=param-defaults]'), new RegExp('^For ratings\\.csv: iALS, values ' +
    'raw, \\d+ factors, α₀ [\\d.e-]+, λ [\\d.e-]+, \\d+ iterations, \\w+ solver; α₀ and λ then screened on a ' +
    'validation split\\. Decided from the data: values raw: the values are star ratings'));
  await setParams(page, { factors: 8, iterations: 3, evaluate: true });
  assert.equal(await train(page), 'model');
  await page.selectOption('#p-confidence', 'log');
  await page.selectOption('#p-values', 'binary');
  await setParams(page, { factors: 12 });
  assert.equal(await train(page), 'model');
  const rows = await page.$$eval('[data-testid=runs] tbody tr[data-run]', (trs) => trs.map((tr) =>
    [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 2);
  const [second, first] = rows;  // newest first
  assert.deepEqual([first[0], first[2], first[3], first[7], first[8]], ['1', 'iALS', '8', '3', 'raw']);
  assert.deepEqual([second[0], second[3], second[8]], ['2', '12', 'binary']);
  assert.match(second[2], /^Log confidence/);
  for (const row of rows) assert.match(row[10], /^0\.\d{4} \/ 0\.\d{4}$/, 'Recall@10 of ALS / popular');
  assert.deepEqual(await visibleSteps(), ['1', '2', '3', '4', '5'], 'results and rate-yourself are 3 and 4');
});

test('minimum rating counted as positive (the CLI\'s --min-rating) loads the data again without the rest', async () => {
  await page.fill('#min-rating', '4');
  await nextVersion(page, 'data', () => page.click('#min-rating-apply'));
  const stats = await summaryStats(page);
  const kept = movielens.rows.filter((r) => r.value >= 4).length;
  assert.equal(stats.Interactions, kept.toLocaleString('en-US'));
  assert.equal(stats['Below the minimum rating'], (movielens.rows.length - kept).toLocaleString('en-US'));
  await page.fill('#min-rating', '');
  await nextVersion(page, 'data', () => page.click('#min-rating-apply'));
});

test('search ignores accents: "miserables" finds "Misérables, Les (1995)"', async () => {
  await nextVersion(page, 'items', () => page.setInputFiles('[data-testid=items-file]', file('movies.csv', movielens.movies)));
  await page.selectOption('#p-confidence', 'ials');
  await page.selectOption('#p-values', '');
  await setParams(page, { factors: 8, iterations: 3, evaluate: false });
  assert.equal(await train(page), 'model');
  assert.equal(await similarMatch(page, 'miserables'), 'Misérables, Les (1995)');
});

test('rate yourself: 1★ is not a like; recommendations and each "because you liked" are the engine\'s', async () => {
  await nextVersion(page, 'data', () => page.click('[data-testid=demo]'));
  await setParams(page, { factors: 16, iterations: 5, evaluate: false });
  assert.equal(await train(page), 'model');
  const offered = await page.$$eval('#rate-matches li[data-item-id]', (els) => els.map((e) => e.dataset.itemId));
  const [disliked, a, b, c] = [offered[5], offered[0], offered[1], offered[2]];
  await nextVersion(page, 'foldin', () => page.click(`#rate-matches li[data-item-id="${disliked}"] button[data-stars="1"]`));
  assert.deepEqual(await listedItems(page, 'rate-recommendations'), [], 'one star alone recommends nothing');
  for (const [id, stars] of [[a, 5], [b, 5], [c, 4]]) {
    await nextVersion(page, 'foldin', () => page.click(`#rate-matches li[data-item-id="${id}"] button[data-stars="${stars}"]`));
  }
  const shown = await page.$$eval('[data-testid=rate-recommendations] li[data-item-id]', (els) => els.map((e) =>
    ({ itemId: e.dataset.itemId, because: e.dataset.because ?? null })));
  assert.equal(shown.length, 10);

  // The same model in node: fold in the likes (demo stars are a 1-5 scale: 5★ weighs 5, 4★ weighs 4, binary 1).
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-model]')]);
  const path = join(ARTIFACTS, 'rate-yourself.alsr');
  await download.saveAs(path);
  const { loadAlsrec } = await import(pathToFileURL(join(SITE_DIR, 'alsrec_api.js')).href);
  const api = await loadAlsrec({ wasmBinary: readFileSync(join(SITE_DIR, 'alsrec.wasm')) });
  const model = api.loadModel(readFileSync(path));
  const binary = model.params.values === 'binary';
  const likes = [[a, 5], [b, 5], [c, 4]].map(([itemId, v]) => ({ itemId, value: binary ? 1 : v }));
  const expected = model.recommendVector(model.foldIn(likes), 10, [disliked, a, b, c]).map((r) => {
    const top = model.explain(likes, r.itemId, 1)[0];
    return { itemId: r.itemId, because: top && top.score > 0 ? top.itemId : '' };
  });
  model.delete();
  assert.deepEqual(shown, expected);
  assert.ok(!shown.some((s) => s.because === disliked), 'a one-star item is never "liked"');
  console.log(`because you liked: ${[...new Set(shown.map((s) => s.because))].length} distinct items over 10`);
});

test('focus stays where the action happened: stars, Train', async () => {
  const star = '#rate-matches li[data-item-id] button[data-stars="4"]';
  const itemId = await page.$eval(star, (b) => b.closest('li').dataset.itemId);
  await page.focus(star);
  await nextVersion(page, 'foldin', () => page.keyboard.press('Enter'));
  assert.deepEqual(await page.evaluate(() => ({ stars: document.activeElement.dataset.stars,
    item: document.activeElement.closest('li')?.dataset.itemId })), { stars: '4', item: itemId });
  await page.focus('[data-testid=train]');
  await nextVersion(page, 'model', () => page.keyboard.press('Enter'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'train');
});

test('the map works from the keyboard: Tab to it, arrows move, Enter lists similar items', async () => {
  await page.waitForFunction(() => window.Chart?.getChart(document.getElementById('map-chart')));
  await page.fill('#similar-query', '');  // no search results between the box and the map
  await page.focus('#similar-query');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id || document.activeElement.outerHTML.slice(0, 80)),
               'map-chart');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const status = await page.textContent('#map-status');
  assert.match(status, /, \d+ ratings\. Enter lists similar items\./);
  const title = status.replace(/, \d+ ratings\..*$/, '');
  assert.equal(await page.evaluate(() => window.Chart.getChart(document.getElementById('map-chart'))
    .tooltip.getActiveElements().length), 1, 'the tooltip shows the item');
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => document.getElementById('similar-to').textContent === t, title);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'map-chart');
});

test('phone (390 × 844): every result column on screen, stars at least 44 × 44 px', async () => {
  await setParams(page, { evaluate: true });
  assert.equal(await train(page), 'model');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  const layout = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const table = document.querySelector('.metrics-table');
    const cells = [...table.querySelectorAll('tr:first-child th, tbody tr:first-child > *')];
    return {
      width, scroll: document.querySelector('.metrics').scrollWidth - document.querySelector('.metrics').clientWidth,
      outside: cells.filter((c) => c.getBoundingClientRect().right > width + 1).map((c) => c.textContent),
      wide: [...document.querySelectorAll('#results *, #rate *')].filter((el) => el.offsetParent !== null)
        .filter((el) => el.getBoundingClientRect().right > width + 1).map((el) => el.tagName + '.' + el.className)
        .slice(0, 5),
      stars: [...document.querySelectorAll('#rate .star')].map((b) => b.getBoundingClientRect())
        .map((r) => [Math.round(r.width), Math.round(r.height)]),
    };
  });
  assert.deepEqual(layout.outside, [], 'the "ALS vs popular" column is on screen');
  assert.equal(layout.scroll, 0, 'no horizontal scrolling in the metrics');
  assert.deepEqual(layout.wide, []);
  assert.ok(layout.stars.length >= 5);
  for (const [w, h] of layout.stars) assert.ok(w >= 44 && h >= 44, `star button ${w}×${h}`);
  await page.locator('#results').scrollIntoViewIfNeeded();
  await screenshot(page, 'usability-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(browser.messages, []);
});

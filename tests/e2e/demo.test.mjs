// The built-in demo: one click to data, train with evaluation, 10 titled recommendations, similar items,
// rate-yourself by fold-in, cancel keeps the previous model, and the page looks right on a laptop and a phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { foreignRequests, listedItems, nextVersion, openApp, screenshot, setParams, startApp, stopApp, train }
  from './harness.mjs';

let server, browser, page;
before(async () => ({ server, browser, page } = await startApp()));
after(() => stopApp({ server, browser }));

test('the demo dataset loads with one click and shows its summary', async () => {
  await nextVersion(page, 'data', () => page.click('[data-testid=demo]'));
  const stats = await page.$$eval('#summary-stats div', (divs) => Object.fromEntries(divs.map((d) =>
    [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
  assert.equal(stats.Users, '1,000');
  assert.equal(stats.Items, '1,700');
  assert.equal(stats['Skipped rows'], '0');
  assert.equal(stats['Titled items'], '1,700 (demo-items.csv)');
  assert.equal(await page.isEnabled('[data-testid=train]'), true);
});

test('training shows progress, metrics beside the popularity baseline and 10 titled recommendations', async () => {
  await setParams(page, { factors: 32, iterations: 8, evaluate: true });
  assert.equal(await train(page), 'model');
  assert.equal(await page.getAttribute('[data-testid=progress]', 'value'),
               await page.getAttribute('[data-testid=progress]', 'max'));
  assert.match(await page.textContent('#progress-text'),
    /^Done\. Screen: \d+ trials, then 8 iterations on 80%, measured, then on all the ratings/);

  const metric = async (name, column) => Number(await page.textContent(
    `[data-testid=metrics] tr[data-metric=${name}] td:nth-child(${column})`));
  const recall = await metric('recall', 2), popular = await metric('recall', 3);
  assert.ok(recall > 0 && recall <= 1, `ALS Recall@10 ${recall}`);
  assert.ok(popular >= 0 && popular <= 1, `popularity Recall@10 ${popular}`);
  // The demo has latent taste groups: personalised ALS must beat "most popular" on held-out ratings.
  assert.ok(recall > popular, `ALS Recall@10 ${recall} should beat popularity ${popular}`);

  const recs = await listedItems(page, 'recommendations');
  assert.equal(recs.length, 10);
  assert.equal(new Set(recs.map((r) => r.itemId)).size, 10, 'ten distinct items');
  for (const r of recs) assert.match(r.title, /\(\d{4}\)$/, `demo titles look like "Title (Year)": ${r.title}`);
  // None of them is an item this user already rated.
  const rated = await page.$$eval('#rated [data-item-id]', (els) => els.map((e) => e.dataset.itemId));
  assert.ok(rated.length > 0);
  for (const r of recs) assert.ok(!rated.includes(r.itemId), `${r.itemId} was already rated`);
});

test('the item map shows a title when a dot is hovered', async () => {
  await page.locator('#map-chart').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => window.Chart.getChart(document.getElementById('map-chart')));
  const point = await page.evaluate(() => {
    const chart = window.Chart.getChart(document.getElementById('map-chart'));
    const el = chart.getDatasetMeta(0).data.find((p) => p.x > chart.chartArea.left && p.x < chart.chartArea.right &&
      p.y > chart.chartArea.top && p.y < chart.chartArea.bottom);
    return { x: el.x, y: el.y, count: chart.data.datasets[0].data.length };
  });
  assert.ok(point.count >= 1000, `the most-rated items are plotted (${point.count})`);
  const box = await page.locator('#map-chart').boundingBox();
  await page.mouse.move(box.x + point.x, box.y + point.y);
  const label = await page.waitForFunction(() => {
    const tip = window.Chart.getChart(document.getElementById('map-chart')).tooltip;
    return tip.getActiveElements().length ? tip.body.map((b) => b.lines.join(' ')).join(' ') : null;
  });
  assert.match(await label.jsonValue(), /\(\d{4}\) · \d+ ratings/);
});

test('another user can be picked by id', async () => {
  await page.fill('[data-testid=user-select]', '17');
  await page.press('[data-testid=user-select]', 'Enter');
  await page.waitForSelector('[data-testid=recommendations][data-user-id="17"] li');
  assert.equal((await listedItems(page, 'recommendations')).length, 10);
  assert.match(await page.textContent('#recs-heading'), /user 17/);
});

test('item search lists similar items', async () => {
  const target = (await listedItems(page, 'recommendations'))[0];
  const word = target.title.split(' ')[0] === 'The' ? target.title.split(' ')[1] : target.title.split(' ')[0];
  await page.fill('#similar-query', word);
  await page.click(`#similar-matches button[data-item-id="${target.itemId}"]`);
  await page.waitForFunction((t) => document.getElementById('similar-to').textContent === t, target.title);
  const similar = await listedItems(page, 'similar');
  assert.equal(similar.length, 10);
  assert.ok(!similar.some((s) => s.itemId === target.itemId), 'an item is not similar to itself');
});

test('rate-yourself returns recommendations by fold-in, without the rated items', async () => {
  const section = '[data-testid=rate-yourself]';
  assert.equal(await page.isVisible(section), true);
  const offered = await page.$$eval('#rate-matches li[data-item-id]', (els) => els.map((e) => e.dataset.itemId));
  assert.ok(offered.length >= 4, 'popular items are offered to rate before any search');
  // Two stars are not a like: nothing to recommend from yet, and the page says what counts.
  const disliked = offered[3];
  await nextVersion(page, 'foldin', () => page.click(`#rate-matches li[data-item-id="${disliked}"] button[data-stars="2"]`));
  assert.deepEqual(await listedItems(page, 'rate-recommendations'), []);
  assert.match(await page.textContent('[data-testid=rate-recommendations]'), /Rate at least one item 4★ or more/);
  const picks = offered.slice(0, 3);
  for (const id of picks) {
    await nextVersion(page, 'foldin', () => page.click(`#rate-matches li[data-item-id="${id}"] button[data-stars="5"]`));
  }
  const mine = await page.$$eval('#my-ratings [data-item-id]', (els) => els.map((e) => e.dataset.itemId));
  assert.deepEqual(mine.sort(), [...picks, disliked].sort());
  const recs = await listedItems(page, 'rate-recommendations');
  assert.equal(recs.length, 10);
  for (const r of recs) {
    assert.ok(![...picks, disliked].includes(r.itemId), 'rated items are not recommended back');
    assert.ok(r.title.length > 0);
  }
  // Search by title, rate one more: the list is recomputed.
  const title = await page.textContent(`#rate-matches li:first-child .item-title`);
  await page.fill('[data-testid=rate-search]', title.slice(0, 6));
  await page.waitForSelector('#rate-matches li[data-item-id]');
  const found = await page.$$eval('#rate-matches li[data-item-id]', (els) => els.map((e) => e.dataset.itemId));
  assert.ok(found.length >= 1);
  const explained = await page.$$eval('[data-testid=rate-recommendations] .item-meta', (els) =>
    els.filter((e) => e.textContent.startsWith('because you liked')).length);
  console.log(`rate-yourself: ${recs.length} recommendations, ${explained} with "because you liked …"`);
  await screenshot(page, 'demo-desktop');
});

test('cancel stops training and keeps the previous model', async () => {
  const before = await listedItems(page, 'recommendations');
  await setParams(page, { factors: 64, iterations: 200, evaluate: true });
  await page.setChecked('#p-screen', false);  // the iterations, not the screen (quality.test cancels that)
  await nextVersion(page, 'cancel', async () => {
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.getElementById('progress').value) >= 1);
    assert.equal(await page.isEnabled('[data-testid=cancel]'), true);
    await page.click('[data-testid=cancel]');
  }, 60_000);
  assert.match(await page.textContent('#progress-text'), /^Training cancelled\. The previous model is kept\.$/);
  const progress = Number(await page.getAttribute('[data-testid=progress]', 'value'));
  assert.ok(progress < 200, `stopped at iteration ${progress}`);
  assert.deepEqual(await listedItems(page, 'recommendations'), before);
  assert.equal(await page.isEnabled('[data-testid=train]'), true);
  assert.equal(await page.isVisible('[data-testid=error]'), false);
  await page.setChecked('#p-screen', true);
});

test('every control has an accessible name and the page starts with its heading', async () => {
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, button, progress')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
                      (el.tagName === 'BUTTON' && el.textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 60)));
  assert.deepEqual(unnamed, []);
  assert.equal(await page.textContent('h1'), 'alsrec');
  // Keyboard, on a fresh page: Tab goes skip link → demo button → file inputs.
  const fresh = await browser.context.newPage();
  try {
    await openApp(fresh, server.url);
    const order = [];
    for (let i = 0; i < 4; i++) {
      await fresh.keyboard.press('Tab');
      order.push(await fresh.evaluate(() => document.activeElement.id || document.activeElement.className));
    }
    assert.deepEqual(order, ['skip-link', 'demo', 'ratings-file', 'items-file']);
  } finally {
    await fresh.close();
  }
  assert.equal(await page.getAttribute('[data-testid=progress]', 'aria-labelledby'), 'progress-text');
  assert.equal(await page.getAttribute('#progress-text', 'aria-live'), 'polite');
});

test('the page stays on its own origin and logs no errors', async () => {
  assert.deepEqual(foreignRequests(browser.requests, server.url), []);
  assert.deepEqual(browser.messages, []);
});

test('narrow (phone) viewport: nothing wider than the screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('main *')]
      .filter((el) => el.offsetParent !== null && !el.closest('.table-scroll, .metrics'))
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`).slice(0, 5);
  });
  assert.deepEqual(overflow, []);
  await screenshot(page, 'demo-phone');
});

test('Auto searches on a validation split, trains the winner, and keeps its trials in the run history', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const form = await page.inputValue('#p-factors');
  await page.fill('#auto-budget', '6');
  await setParams(page, { iterations: '', evaluate: true });
  await nextVersion(page, 'auto', () => page.click('[data-testid=auto]'), 90_000);
  const text = await page.textContent('#progress-text');
  assert.match(text, /^Done\. Auto search: \d+ trials, then \d+ iterations on 80%/, text);
  assert.equal(await page.inputValue('#p-factors'), form, 'Auto leaves the form as it was');
  const row = await page.$eval('[data-testid=runs] tbody tr[data-run]', (tr) => [...tr.cells].map((c) => c.textContent));
  const trials = Number(/^auto: (\d+) trials$/.exec(row[12])?.[1]);
  assert.ok(trials >= 2, row[12]);
  // The winner is what was trained: its model kind, values, factors and iterations are the run's.
  const table = async () => page.$$eval('[data-testid=search-trials] tr', (trs) => trs.map((tr) => ({
    best: tr.classList.contains('best'), cells: [...tr.cells].map((c) => c.textContent) })));
  let shown = await table();
  assert.equal(shown.length, trials);
  const best = shown.filter((t) => t.best);
  assert.equal(best.length, 1);
  assert.equal(best[0].cells[2], row[2], 'model kind');
  assert.equal(best[0].cells[3], row[8], 'values');
  assert.equal(best[0].cells[4], row[3], 'factors');
  // Another run, then the first run's trials again from the history.
  await setParams(page, { factors: 8, iterations: 2, evaluate: false });
  await page.setChecked('#p-screen', false);
  assert.equal(await train(page), 'model');
  assert.equal(await page.isHidden('#trials-panel'), true, 'a run without a search has no trials to show');
  await page.click(`[data-testid=runs] button[data-run="${row[0]}"]`);
  assert.match(await page.textContent('#trials-heading'), new RegExp(`Search trials of run ${row[0]}`));
  shown = await table();
  assert.equal(shown.length, trials);
  await page.setChecked('#p-screen', true);
  await screenshot(page, 'demo-auto');
});

// Values shown as what they are: play counts are binned (a few rows, however many distinct counts) and listed as
// counts, bare pairs as interactions, Book-Crossing's 0 as "interacted, no rating" beside 1-10 ratings.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nextVersion, screenshot, setParams, startApp, stopApp, summaryStats, train } from './harness.mjs';
import { bookCrossingLike, file, implicitPairs, lastfmLike } from './datasets.mjs';

let app, page;
before(async () => { app = await startApp(); page = app.page; });
after(() => stopApp(app));

async function loadAndTrain(input) {
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', input));
  await setParams(page, { factors: 8, iterations: 2, evaluate: false });
}

/** The values shown beside the chosen user's already-rated items. */
async function ratedValues(userId) {
  await page.fill('[data-testid=user-select]', userId);
  await page.press('[data-testid=user-select]', 'Enter');
  await page.waitForSelector(`[data-testid=recommendations][data-user-id="${userId}"] li`);
  return page.$$eval('#rated [data-item-id] .item-meta', (els) => els.map((e) => e.textContent));
}

test('play counts: a few binned histogram rows, counts in words, and the page does not grow', async () => {
  const lastfm = lastfmLike();
  const distinct = new Set(lastfm.rows.map((r) => r.value)).size;
  assert.ok(distinct > 1000, `the file has ${distinct} distinct play counts`);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await loadAndTrain(file('user_artists.dat', lastfm.plays));
  const bars = await page.$$eval('#histogram .bar-row', (rows) => rows.map((r) => r.textContent));
  assert.ok(bars.length >= 8 && bars.length <= 25, `${bars.length} histogram rows`);
  assert.match(bars.join(' '), /1,024–2,047/, 'counts are grouped by powers of two');
  const total = (await page.$$eval('#histogram .bar-count', (els) => els.map((e) => Number(e.textContent.replace(/,/g, '')))))
    .reduce((a, b) => a + b, 0);
  assert.equal(total, lastfm.rows.length, 'every interaction is in one bar');
  // The engine's detection, in words with its evidence.
  assert.match((await summaryStats(page)).Values, /^counts \(plays, clicks, purchases\): integers 1\.\.\d+, over 1000 distinct/);
  assert.equal(await page.getAttribute('#values-kind', 'data-kind'), 'counts');
  const grown = (await page.evaluate(() => document.documentElement.scrollHeight)) - height;
  assert.ok(grown < 2500, `the page grew by ${grown} px`);
  assert.equal(await train(page), 'model');
  const userId = '3';
  const values = await ratedValues(userId);
  assert.ok(values.length > 0);
  const mine = lastfm.rows.filter((r) => String(r.user) === userId).map((r) => r.value).sort((a, b) => b - a);
  assert.deepEqual(values.slice(0, 5), mine.slice(0, 5).map((v) => `${v.toLocaleString('en-US')} time${v === 1 ? '' : 's'}`));
  assert.ok(!values.some((v) => v.includes('★')), 'play counts are not stars');
  await screenshot(page, 'values-lastfm');
});

test('bare user-item pairs: no values, each row an interaction', async () => {
  await loadAndTrain(file('pairs.csv', implicitPairs().pairs));
  assert.match((await summaryStats(page)).Values, /^interactions without values: each row is one interaction/);
  assert.match(await page.textContent('#histogram'), /No values: every row counts as one interaction/);
  assert.equal(await train(page), 'model');
  const values = await ratedValues('u7');
  assert.ok(values.length > 0);
  assert.deepEqual([...new Set(values)], ['interacted']);
});

test('Book-Crossing (; Latin-1, 0 = read without rating, 1-10 = rated)', async () => {
  const bx = bookCrossingLike();
  await loadAndTrain(file('BX-Book-Ratings.csv', bx.ratings));
  assert.match(await page.textContent('#format-line'), /Delimiter:\s*semicolon/);
  assert.match((await summaryStats(page)).Values,
    /^star ratings where 0 means interacted but not rated: integers 0\.\.10, 11 distinct; \d+% of rows are 0/);
  const bars = await page.$$eval('#histogram .bar-label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(bars, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  assert.equal(await train(page), 'model');
  const userId = '2';
  const values = await ratedValues(userId);
  const expected = bx.rows.filter((r) => String(r.user) === userId).map((r) => r.value).sort((a, b) => b - a)
    .map((v) => (v === 0 ? 'interacted, no rating' : `${v}/10`));
  assert.deepEqual(values, expected);
  assert.deepEqual(app.browser.messages, []);
});

// The model file and the data it belongs to: after a hold-out run the page shows and saves the model trained on
// all the ratings (the file, loaded anywhere, gives the page's lists and never recommends what a user rated);
// a model over other data keeps its own titles apart and says so; new ratings do not silently drop a model.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, dropFiles, launch, listedItems, nextVersion, openApp, setParams, startApp, stopApp, train }
  from './harness.mjs';
import { file, lastfmLike, ml100kLike } from './datasets.mjs';

let app, page;
before(async () => { app = await startApp(); page = app.page; });
after(() => stopApp(app));

const a = ml100kLike();   // titles "Movie k (19xx)"
const b = lastfmLike();   // the same item ids 1..400, titles "Artist k"
const modelA = join(ARTIFACTS, 'model-a-holdout.alsr');

async function showUser(p, userId) {
  await p.fill('[data-testid=user-select]', userId);
  await p.press('[data-testid=user-select]', 'Enter');
  await p.waitForSelector(`[data-testid=recommendations][data-user-id="${userId}"] li`);
  return listedItems(p, 'recommendations');
}

test('after a hold-out run the downloaded model is the full-data model the page shows', async () => {
  await nextVersion(page, 'items', () => nextVersion(page, 'data', () =>
    dropFiles(page, [file('u.data', a.data), file('u.item', a.item)])));
  await setParams(page, { factors: 8, iterations: 4, evaluate: true });
  assert.equal(await train(page), 'model');
  assert.match(await page.textContent('#model-line'),
               new RegExp(`Trained on all ${a.rows.length.toLocaleString('en-US')} interactions of u\\.data`));
  assert.ok(await page.isVisible('[data-testid=metrics] tr[data-metric=recall]'), 'the hold-out was measured');
  const userId = '42';
  const shown = await showUser(page, userId);
  mkdirSync(ARTIFACTS, { recursive: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-model]')]);
  await download.saveAs(modelA);
  assert.match(await page.textContent('#files-status'), /on all its ratings/);

  // A new tab with nothing but the model file: same list, and nothing the user rated anywhere in u.data.
  const other = await launch();
  try {
    await openApp(other.page, app.server.url);
    await nextVersion(other.page, 'model', () => other.page.setInputFiles('[data-testid=model-file]', modelA));
    const fromFile = await showUser(other.page, userId);
    assert.deepEqual(fromFile.map((r) => r.itemId), shown.map((r) => r.itemId));
    const rated = new Set(a.rows.filter((r) => String(r.user) === userId).map((r) => String(r.item)));
    for (const r of fromFile) assert.ok(!rated.has(r.itemId), `user ${userId} rated item ${r.itemId} in u.data`);
  } finally {
    await other.close();
  }
});

test('new ratings keep the model and say that it was trained on other data; titles are not mixed', async () => {
  await nextVersion(page, 'items', () => nextVersion(page, 'data', () =>
    dropFiles(page, [file('user_artists.dat', b.plays), file('artists.dat', b.artists)])));
  assert.equal(await page.isVisible('#results'), true, 'the model is still there');
  assert.match(await page.textContent('[data-testid=model-relation]'), /trained on other data than user_artists\.dat/);
  assert.match(await page.textContent('#files-status'), /model from before is kept/);
  const recs = await showUser(page, '42');
  assert.equal(recs.length, 10);
  for (const r of recs) assert.doesNotMatch(r.title, /^Artist|Yankovic|Björk/, `artists.dat title on model A's ${r.itemId}`);
  for (const r of recs) assert.match(r.title, /^Movie \d+/, 'model A keeps the titles it came with');
  assert.match(await page.textContent('#rated'), /Not known: the loaded ratings are not this model’s data/);
});

test('a model file loaded over other data uses neither their titles nor their rated lists', async () => {
  await nextVersion(page, 'model', () => page.setInputFiles('[data-testid=model-file]', modelA));
  assert.match(await page.textContent('[data-testid=model-relation]'), /trained on other data/);
  const recs = await showUser(page, '42');
  for (const r of recs) assert.equal(r.title, `Item ${r.itemId}`, 'no artists.dat titles on an ml-100k model');
  // Its own data again: now the titles and what the user rated come from it.
  await nextVersion(page, 'items', () => nextVersion(page, 'data', () =>
    dropFiles(page, [file('u.data', a.data), file('u.item', a.item)])));
  assert.match(await page.textContent('[data-testid=model-relation]'), /are the data this model was trained on/);
  const again = await showUser(page, '42');
  for (const r of again) assert.match(r.title, /^Movie \d+/);
  assert.ok((await page.$$('#rated [data-item-id]')).length > 0);
  assert.deepEqual(app.browser.messages, []);
});

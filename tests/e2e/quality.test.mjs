// Issue 10 in the page: what the data is, said in the engine's words with its evidence; the decisions taken from it
// shown as notes; the defaults the CLI would choose (the same screen of α₀ and λ, with progress, cancellable between
// trials); and EASE offered as a reference beside popularity when its items × items matrices fit, refused with the
// reason when they do not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nextVersion, setParams, startApp, stopApp, train } from './harness.mjs';
import { file, interactions, lastfmLike } from './datasets.mjs';

const CLI = process.env.ALSREC_NATIVE_CLI || '';
const work = mkdtempSync(join(tmpdir(), 'alsrec-e2e-quality-'));
let app, page;
before(async () => { app = await startApp(); page = app.page; });
after(async () => {
  await stopApp(app);
  rmSync(work, { recursive: true, force: true });
});

const notes = () => page.$$eval('[data-testid=train-notes] li', (els) => els.map((e) => e.textContent));
const runRow = () => page.$eval('[data-testid=runs] tbody tr[data-run]', (tr) => [...tr.cells].map((c) => c.textContent));

test('play counts: the value kind in words with its evidence, and the note that they are log-scaled', async () => {
  const lastfm = lastfmLike();
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]',
                                                            file('user_artists.dat', lastfm.plays)));
  const values = await page.textContent('#values-kind');
  assert.match(values, /^counts \(plays, clicks, purchases\): integers 1\.\.\d+/);
  // Before training, the defaults are said in words for this file.
  await page.waitForFunction(() => /^For user_artists\.dat:/.test(document.querySelector('[data-testid=param-defaults]')
    .textContent));
  const defaults = await page.textContent('[data-testid=param-defaults]');
  assert.match(defaults, /values log/);
  assert.match(defaults, /Decided from the data: values log: the values are counts/);
  await setParams(page, { factors: 8, iterations: 2, evaluate: false });
  await page.setChecked('#p-screen', false);
  assert.equal(await train(page), 'model');
  assert.ok((await notes()).some((n) => /^values log: the values are counts \(plays, clicks, purchases\) \(/.test(n)),
    (await notes()).join(' | '));
  assert.equal((await runRow())[8], 'log');
  await page.setChecked('#p-screen', true);
});

test('the defaults are the CLI\'s: the same screen of α₀ and λ, the same choice', async (t) => {
  if (!existsSync(CLI)) {
    t.skip(`no native CLI at ${CLI || '(ALSREC_NATIVE_CLI unset)'}`);
    return;
  }
  const rows = interactions({ users: 300, items: 400, perUser: 30, seed: 17 });
  const csv = ['user,item,rating', ...rows.map((r) => `${r.user},${r.item},${r.value}`)].join('\n') + '\n';
  const path = join(work, 'stars.csv');
  writeFileSync(path, csv);
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', path));
  await setParams(page, { factors: 16, iterations: 4, evaluate: false });
  await page.evaluate(() => { window.__trialTexts = []; });
  await page.evaluate(() => new MutationObserver(() => window.__trialTexts.push(
    document.getElementById('search-trials').rows.length)).observe(document.getElementById('search-trials'),
    { childList: true }));
  assert.equal(await train(page), 'model');
  const cli = spawnSync(CLI, ['train', '--input', path, '--output', join(work, 'cli.alsr'), '--factors', '16',
                              '--iterations', '4', '--json'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const native = JSON.parse(cli.stdout);
  // The trial table grew a row at a time while the screen ran, and holds the CLI's trials.
  const grew = await page.evaluate(() => window.__trialTexts);
  assert.ok(grew.length >= 2 && grew.every((n, i) => i === 0 || n >= grew[i - 1]), grew.join(','));
  const trials = await page.$$eval('[data-testid=search-trials] tr', (trs) => trs.map((tr) => ({
    stage: tr.cells[1].textContent, weight: tr.cells[5].textContent, lambda: tr.cells[6].textContent,
    best: tr.classList.contains('best') })));
  assert.equal(trials.length, native.screen.trials.length);
  const param = (x) => String(Number(x.toPrecision(4)));
  native.screen.trials.forEach((n, i) => {
    assert.equal(trials[i].stage, n.stage);
    const omega = n.popularity_exponent ? `, ω ${param(n.popularity_exponent)}` : '';
    assert.equal(trials[i].weight, `α₀ ${param(n.unobserved_weight)}${omega}`);
    assert.equal(trials[i].lambda, param(n.regularization));
  });
  assert.equal(trials.findIndex((x) => x.best), native.screen.best);
  const row = await runRow();
  assert.equal(row[6], param(native.params.unobserved_weight), 'α₀');
  assert.equal(row[4], param(native.params.regularization), 'λ');
  assert.equal(row[8], native.params.values);
  assert.match(row[12], /^screen: \d+ trials$/);
});

test('the screen reports each trial and Cancel stops it between trials, keeping the model', async () => {
  const before = await runRow();
  await nextVersion(page, 'data', () => page.click('[data-testid=demo]'));
  await setParams(page, { factors: '', iterations: 4, evaluate: true });
  await nextVersion(page, 'cancel', async () => {
    await page.click('[data-testid=train]');
    await page.waitForSelector('[data-testid=search-trials] tr', { timeout: 60_000 });
    assert.match(await page.textContent('#progress-text'),
      /^Screening α₀ and λ on a validation split of the training part: trial \d+: NDCG@10 0\.\d+, best 0\.\d+/);
    await page.click('[data-testid=cancel]');
  }, 60_000);
  assert.match(await page.textContent('#progress-text'),
    /^Screening α₀ and λ cancelled after \d+ trials\. The previous model is kept\.$/);
  assert.deepEqual(await runRow(), before, 'no new run');
  assert.equal(await page.isEnabled('[data-testid=train]'), true);
});

test('EASE beside popularity when the catalogue fits; the page says why it is refused when not', async () => {
  const rows = interactions({ users: 600, items: 300, perUser: 30, seed: 23 });
  const csv = ['user,item', ...rows.map((r) => `${r.user},${r.item}`)].join('\n') + '\n';
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', file('groups.csv', csv)));
  assert.equal(await page.isEnabled('#p-ease'), true);
  assert.match(await page.textContent('#h-ease'), /For these 300 items it needs [\d.]+ KB/);
  await page.setChecked('#p-ease', true);
  await setParams(page, { factors: 16, iterations: 4, evaluate: true });
  await page.setChecked('#p-screen', false);
  assert.equal(await train(page), 'model');
  const head = await page.$$eval('[data-testid=metrics] thead th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(head, ['Metric', 'ALS', 'Most popular', 'ALS vs popular', 'EASE']);
  const ease = Number(await page.textContent('[data-testid=metrics] tr[data-metric=recall] td:nth-child(5)'));
  const popular = Number(await page.textContent('[data-testid=metrics] tr[data-metric=recall] td:nth-child(3)'));
  assert.ok(ease > popular, `EASE Recall@10 ${ease} vs popularity ${popular}: the data has taste groups`);
  assert.match(await page.textContent('[data-testid=ease-note]'), /λ [\d.]+ chosen on a validation split/);
  // On a phone the fifth column fits too, and no number is split across lines.
  await page.setViewportSize({ width: 390, height: 844 });
  const phone = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const cells = [...document.querySelectorAll('.metrics-table th, .metrics-table td')];
    const lines = (c) => {  // the lines a cell's text takes
      const range = document.createRange();
      range.selectNodeContents(c);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    };
    return { outside: cells.filter((c) => c.getBoundingClientRect().right > width + 1).map((c) => c.textContent),
             split: cells.filter((c) => c.tagName === 'TD' && lines(c) > 1).map((c) => c.textContent) };
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(phone.outside, [], 'every column on screen');
  assert.deepEqual(phone.split, [], 'no number split across lines');

  // 12,000 items: EASE's two 12,000² float matrices (1,099 MB) exceed what the page allows it (1,024 MB).
  const lines = ['user,item'];
  for (let u = 0; u < 2400; ++u) for (let k = 0; k < 5; ++k) lines.push(`u${u},i${u * 5 + k}`);
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]',
                                                            file('wide.csv', lines.join('\n') + '\n')));
  assert.equal(await page.isEnabled('#p-ease'), false);
  assert.equal(await page.isChecked('#p-ease'), false);
  assert.match(await page.textContent('#h-ease'), new RegExp('^Not offered for this data: EASE needs two items × ' +
    'items matrices: 12,000 items need 1,099 MB, more than the 1,024 MB this page allows it'));
  await page.setChecked('#p-screen', true);
  assert.deepEqual(app.browser.messages, []);
});

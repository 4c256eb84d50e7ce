// Errors appear in the page in plain words and the page stays usable: a malformed ratings file, a file that is
// not a model, a training run that fails numerically (the previous model is kept), parameters outside the engine's
// limits, and a site whose wasm is missing.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { launch, listedItems, nextVersion, screenshot, setParams, SITE_DIR, startApp, startServer, stopApp, train }
  from './harness.mjs';

const work = mkdtempSync(join(tmpdir(), 'alsrec-e2e-files-'));
let server, browser, page;
before(async () => ({ server, browser, page } = await startApp()));
after(() => stopApp({ server, browser }));
after(() => rmSync(work, { recursive: true, force: true }));

async function errorText() {
  await page.waitForSelector('[data-testid=error]', { state: 'visible' });
  return (await page.textContent('[data-testid=error]')).replace(/\s+/g, ' ').trim();
}

test('a malformed ratings file shows the error in plain words and what was detected', async () => {
  // Mostly rows whose rating is not a number: far more than the 5% of bad rows a file may have.
  const rows = ['user,item,rating'];
  for (let i = 0; i < 40; i++) rows.push(`u${i},i${i % 7},${i % 3 === 0 ? '4' : 'lots'}`);
  const file = join(work, 'broken-ratings.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  await nextVersion(page, 'error', () => page.setInputFiles('[data-testid=ratings-file]', file));
  const text = await errorText();
  assert.match(text, /broken-ratings\.csv could not be read/);
  assert.match(text, /line \d+/, `the message names a line: ${text}`);
  assert.match(text, /choose more “Bad rows allowed”/, 'the advice names the page\'s own control');
  assert.equal(await page.isVisible('#summary-panel'), false, 'no dataset was shown for the broken file');
  // What was detected in the failed file is shown, with the correction form open.
  assert.match(await page.textContent('#format-heading'), /broken-ratings\.csv \(not loaded\)/);
  assert.match(await page.textContent('#format-line'), /rating → rating/);
  assert.equal(await page.isVisible('#fmt-columns'), true);
  await screenshot(page, 'error-malformed');
});

test('correcting the format of the failed file loads it', async () => {
  await page.fill('#fmt-columns', 'user,item');
  await nextVersion(page, 'data', () => page.click('#format-apply'));
  const stats = await page.$$eval('#summary-stats div', (divs) => Object.fromEntries(divs.map((d) =>
    [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
  assert.equal(stats.Users, '40');
  assert.equal(stats.Items, '7');
  assert.doesNotMatch(await page.textContent('#format-heading'), /not loaded/);
  assert.match(await page.textContent('#histogram'), /No values: every row counts as one interaction/);
  assert.equal(await page.isVisible('[data-testid=error]'), false);
});

test('after the errors the demo still trains', async () => {

  await nextVersion(page, 'data', () => page.click('[data-testid=demo]'));
  assert.equal(await page.isVisible('[data-testid=error]'), false, 'a good load clears the error');
  await setParams(page, { factors: 16, iterations: 4, evaluate: false });
  assert.equal(await train(page), 'model');
  assert.equal((await listedItems(page, 'recommendations')).length, 10);
});

test('a binary file that is not a model is refused in plain words; the model stays', async () => {
  const before = await listedItems(page, 'recommendations');
  const file = join(work, 'not-a-model.alsr');
  writeFileSync(file, Buffer.from('PK\x03\x04 definitely a zip, not a model'.repeat(4), 'latin1'));
  await nextVersion(page, 'error', () => page.setInputFiles('[data-testid=model-file]', file));
  const text = await errorText();
  assert.match(text, /not-a-model\.alsr could not be loaded as a model/);
  assert.deepEqual(await listedItems(page, 'recommendations'), before);
});

test('training that fails numerically reports it and keeps the previous model', async () => {
  const before = await listedItems(page, 'recommendations');
  // Explicit ALS without regularization and more factors than many items have ratings: those items' systems are
  // singular, so the exact solver cannot solve them.
  await page.selectOption('#p-confidence', 'explicit');
  await page.selectOption('#p-solver', 'cholesky');
  await setParams(page, { factors: 64, iterations: 3, regularization: 0 });
  assert.equal(await train(page), 'error');
  const text = await errorText();
  assert.match(text, /Training diverged|not positive definite|not a finite|is not finite|numerical|diverge/i, text);
  assert.match(text, /previous model is kept/);
  assert.deepEqual(await listedItems(page, 'recommendations'), before);
  assert.equal(await page.isEnabled('[data-testid=train]'), true);
  await page.selectOption('#p-confidence', '');
  await page.selectOption('#p-solver', '');
});

test('invalid parameters are caught before training, against the engine\'s own limits', async () => {
  // The limits of the engine's parameter table (the CLI's), read here through the JS API in node.
  const { loadAlsrec } = await import(pathToFileURL(join(SITE_DIR, 'alsrec_api.js')).href);
  const api = await loadAlsrec({ wasmBinary: readFileSync(join(SITE_DIR, 'alsrec.wasm')) });
  const factors = api.parameters.find((p) => p.name === 'factors');
  assert.equal(await page.getAttribute('#p-factors', 'max'), String(factors.max));
  assert.equal(await page.getAttribute('#p-factors', 'min'), String(factors.min));
  for (const bad of [factors.min - 1, factors.max + 1, 2.5]) {
    await setParams(page, { factors: bad, alpha: 1, regularization: 0.1 });
    await nextVersion(page, 'error', () => page.click('[data-testid=train]'));
    assert.match(await errorText(), new RegExp(`Factors must be a whole number from ${factors.min} to ` +
      `${factors.max.toLocaleString('en-US')}`));
    assert.equal(await page.getAttribute('#p-factors', 'aria-invalid'), 'true');
  }
  // A parameter the page does not name itself still gets a field, limits and help from the table.
  const steps = api.parameters.find((p) => p.name === 'cgSteps');
  assert.equal(await page.getAttribute('#p-cgSteps', 'max'), String(steps.max));
  assert.equal(await page.textContent('#h-cgSteps'), `${steps.help} (a whole number from ${steps.min} to ` +
    `${steps.max.toLocaleString('en-US')})`);
  await setParams(page, { factors: '', alpha: '', regularization: '' });
});

test('a site whose WebAssembly file is missing says so', async () => {
  const site = mkdtempSync(join(tmpdir(), 'alsrec-e2e-site-'));
  cpSync(SITE_DIR, site, { recursive: true });
  rmSync(join(site, 'alsrec.wasm'));
  const broken = await startServer(site, { requireWasm: false });
  const b = await launch();
  try {
    await b.page.goto(broken.url);
    await b.page.waitForSelector('[data-testid=error]', { state: 'visible', timeout: 30_000 });
    const text = (await b.page.textContent('[data-testid=error]')).replace(/\s+/g, ' ');
    assert.match(text, /engine \(WebAssembly\) could not be loaded/);
    assert.equal(await b.page.isDisabled('[data-testid=demo]'), true);
    assert.match(await b.page.textContent('#train-hint'), /engine is not available/);
    await screenshot(b.page, 'error-no-wasm');
  } finally {
    await b.close();
    broken.stop();
    rmSync(site, { recursive: true, force: true });
  }
});

test('ratings and titles dropped on the page load both (and the page does not navigate away)', async () => {
  const url = page.url();
  await nextVersion(page, 'items', () => nextVersion(page, 'data', () => page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['u1\ti1\t5\nu1\ti2\t3\nu2\ti1\t4\nu2\ti3\t2\nu3\ti2\t5\nu3\ti3\t1\n'], 'dropped.tsv'));
    dt.items.add(new File(['id,title,genres\ni1,First Film (2001),Drama\ni2,"Second, The (2002)",Comedy\n' +
                           'i3,Third Film (2003),Drama|Comedy\n'], 'my-items.csv'));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  })));
  assert.equal(page.url(), url);
  assert.match(await page.textContent('#format-line'), /Delimiter:\s*tab/);
  assert.match(await page.textContent('#format-line'), /Header:\s*no/);
  const stats = await page.$$eval('#summary-stats div', (divs) => Object.fromEntries(divs.map((d) =>
    [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
  assert.equal(stats.Users, '3');
  assert.equal(stats.Items, '3');
  assert.equal(stats.Interactions, '6');
  assert.equal(stats['Titled items'], '3 (my-items.csv)');
  assert.equal(await page.isVisible('[data-testid=error]'), false);
  assert.deepEqual(browser.messages, []);
});

test('a file too large for the tab is refused before it is read', async () => {
  const before = await page.$eval('#summary-stats', (el) => el.textContent);
  const huge = join(work, 'huge-ratings.csv');
  writeFileSync(huge, '');
  truncateSync(huge, Math.round(1.6 * 1024 ** 3));  // sparse: no disk space used, and the page never reads it
  await nextVersion(page, 'error', () => page.setInputFiles('[data-testid=ratings-file]', huge));
  const text = await errorText();
  assert.match(text, /too large for a browser tab/);
  assert.match(text, /huge-ratings\.csv is 1\.6 GB/);
  assert.equal(await page.$eval('#summary-stats', (el) => el.textContent), before, 'the loaded data is kept');
});

test('a few bad rows are skipped and listed with their line numbers', async () => {
  const rows = ['userId;movieId;rating'];
  for (let i = 0; i < 60; i++) rows.push(`${i % 9};${i % 13};${1 + (i % 5)}`);
  rows.splice(7, 0, '3;4;NaN');       // becomes line 8 (the header is line 1)
  rows.splice(20, 0, 'only-one-field');  // line 21
  const file = join(work, 'semicolons.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', file));
  assert.match(await page.textContent('#format-line'), /Delimiter:\s*semicolon/);
  const stats = await page.$$eval('#summary-stats div', (divs) => Object.fromEntries(divs.map((d) =>
    [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
  assert.equal(stats['Skipped rows'], '2');
  assert.equal(stats.Users, '9');
  assert.equal(stats.Items, '13');
  const skipped = (await page.$$eval('#skipped li', (els) => els.map((e) => e.textContent))).join(' | ');
  assert.match(skipped, /line 8\b/);
  assert.match(skipped, /line 21\b/);
  assert.equal(await page.isVisible('[data-testid=error]'), false);
});

// Time well spent and time well told: evaluation during training never costs more than the training, the page
// says what it does before the first iteration, the load time shown is the wall time, loading shows at the top
// of the page wherever one has scrolled to, the auto search shows its trials and stops between them on Cancel, and
// so does the final evaluation between its slices of users.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nextVersion, setParams, startApp, stopApp, train } from './harness.mjs';
import { file, interactions } from './datasets.mjs';

let app, page;
before(async () => { app = await startApp(); page = app.page; });
after(() => stopApp(app));

/** Seconds from a "1.2 s" / "340 ms" / "1 min 3 s" text. */
const seconds = (text) => {
  const m = /(?:(\d+) min )?([\d.]+) (ms|s)/.exec(text);
  return m ? Number(m[1] || 0) * 60 + Number(m[2]) / (m[3] === 'ms' ? 1000 : 1) : NaN;
};

test('Recall@10 during training costs less than the training, and the page says how it is measured', async () => {
  // Many items, few ratings each: scoring every held-out user against 20,000 items is dearer than an iteration.
  const rows = interactions({ users: 1500, items: 20000, perUser: 20, seed: 21 });
  const csv = ['user,item,rating', ...rows.map((r) => `${r.user},${r.item},${r.value}`)].join('\n') + '\n';
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', file('wide.csv', csv)));
  await setParams(page, { factors: 16, iterations: 6, evaluate: true });
  // Every text the progress line shows, from the click on.
  await page.evaluate(() => {
    window.__progressTexts = [];
    new MutationObserver(() => window.__progressTexts.push(document.getElementById('progress-text').textContent))
      .observe(document.getElementById('progress-text'), { childList: true, characterData: true, subtree: true });
  });
  assert.equal(await train(page), 'model');
  const timing = await page.$eval('[data-testid=timing]', (el) => ({ ...el.dataset, text: el.textContent }));
  // Today's page printed "per-iteration evaluation X (not counted)"; the page now gives data attributes.
  const evalSeconds = Number(timing.evalSeconds ?? seconds(/per-iteration evaluation ([^(]+)/.exec(timing.text)?.[1]));
  const trainSeconds = Number(timing.trainSeconds);
  console.log(`training ${trainSeconds.toFixed(3)} s, Recall@10 during training ${evalSeconds.toFixed(3)} s ` +
              `(${timing.sampleUsers} sampled users); ${timing.text}`);
  assert.ok(evalSeconds < trainSeconds, `evaluation ${evalSeconds} s vs training ${trainSeconds} s`);
  assert.match(timing.text, /Recall@10 during training .* \([\d,]+ sampled users\)/);
  assert.match(await page.textContent('[data-testid=metrics] caption'), /1,500 users with held-out items/);

  // Before the first iteration the line said what was happening, never an empty "Starting…".
  const texts = await page.evaluate(() => window.__progressTexts);
  assert.ok(!texts.includes('Starting…'), texts.join(' | '));
  assert.match(texts.find((t) => t && !/^Preparing/.test(t)) || '', /Holding out .* building the user × item matrices/);
  assert.ok(texts.some((t) => /Measuring Recall@10 .* every held-out user/.test(t)), 'the final evaluation is named');
  assert.ok(texts.some((t) => /Training on all ratings: iteration/.test(t)), 'the full-data fit is named');
});

test('loading: the time shown is the wall time, and progress shows at the top of the page', async () => {
  const rows = interactions({ users: 8000, items: 3000, perUser: 25, seed: 4 });
  const csv = ['userId,movieId,rating,timestamp', ...rows.map((r) => `${r.user},${r.item},${r.value},${r.time}`)]
    .join('\n') + '\n';
  await page.evaluate(() => {
    window.scrollTo(0, document.documentElement.scrollHeight);  // far below the file input and the summary
    window.__load = { seen: [], start: 0, end: 0 };
    const bar = () => document.querySelector('[data-testid=activity]');
    document.getElementById('ratings-file').addEventListener('change', () => {
      window.__load.start = performance.now();
      const b = bar();
      if (b) new MutationObserver(() => {
        const r = b.getBoundingClientRect();
        window.__load.seen.push({ visible: !b.hidden && r.height > 0, top: r.top, text: b.textContent.trim() });
      }).observe(b, { attributes: true, childList: true, subtree: true, characterData: true });
    }, { capture: true });
    new MutationObserver(() => { window.__load.end = window.__load.end || performance.now(); })
      .observe(document.body, { attributes: true, attributeFilter: ['data-data-version'] });
  });
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', file('big.csv', csv)));
  const load = await page.evaluate(() => window.__load);
  const wall = (load.end - load.start) / 1000;
  const shown = await page.$eval('[data-testid=load-timing]', (el) => ({ wall: Number(el.dataset.wallSeconds),
                                                                         text: el.textContent }))
    .catch(async () => ({ wall: seconds(await page.textContent('[data-testid=timing]')), text: '' }));
  console.log(`${(csv.length / 2 ** 20).toFixed(1)} MB: wall ${wall.toFixed(3)} s, shown ${shown.wall.toFixed(3)} s: ${shown.text}`);
  assert.ok(shown.wall >= 0.8 * wall && shown.wall <= wall + 0.05, `shown ${shown.wall} s, wall ${wall} s`);
  const atTop = load.seen.filter((s) => s.visible && s.top <= 1);
  assert.ok(atTop.length > 0, `activity bar seen at the top: ${JSON.stringify(load.seen.slice(0, 3))}`);
  assert.ok(atTop.some((s) => /Reading|Parsing|Counting/.test(s.text)), JSON.stringify(atTop));
  assert.equal(await page.isHidden('[data-testid=activity]'), true, 'the bar goes away when done');
});

test('Auto shows its trials as they come and Cancel stops it after the running trial', async () => {
  await nextVersion(page, 'data', () => page.click('[data-testid=demo]'));
  await setParams(page, { factors: '', iterations: '', evaluate: true });
  await page.fill('#auto-budget', '60');
  assert.equal(await page.textContent('[data-testid=auto]'), 'Auto (60 s)');
  await page.click('[data-testid=auto]');
  await page.waitForSelector('[data-testid=search-trials] tr', { timeout: 60_000 });
  assert.equal(await page.isEnabled('[data-testid=cancel]'), true);
  assert.match(await page.textContent('#progress-text'),
    /^Auto search on a validation split of the training part: trial \d+: NDCG@10 0\.\d+, best 0\.\d+ .* of 1 min 0 s/);
  // A trial is one engine call: Cancel is honoured when it returns, so it waits at most for the trial running.
  const trialSeconds = await page.$$eval('[data-testid=search-trials] tr', (trs) => trs.map((tr) =>
    tr.cells[tr.cells.length - 1].textContent));
  const longest = Math.max(...trialSeconds.map(seconds));
  const t0 = Date.now();
  await nextVersion(page, 'cancel', () => page.click('[data-testid=cancel]'), 30_000);
  const took = (Date.now() - t0) / 1000;
  console.log(`cancel took ${took.toFixed(2)} s; the longest trial so far ${longest.toFixed(2)} s`);
  assert.ok(took < 2 * longest + 1, `cancel took ${took} s (trials take up to ${longest} s)`);
  assert.match(await page.textContent('#progress-text'), /^Auto search cancelled after \d+ trials\./);
  assert.equal(await page.inputValue('#p-factors'), '', 'the form is unchanged');
  assert.equal(await page.isEnabled('[data-testid=train]'), true);
  await setParams(page, { factors: 8, iterations: 2, evaluate: false });
  assert.equal(await train(page), 'model', 'the engine still works after a cancelled search');
  assert.deepEqual(app.browser.messages, []);
});

test('the final evaluation counts the users it has ranked and Cancel stops it between slices', async () => {
  // 20,000 users against 30,000 items: a few seconds of ranking in the tab, in slices of ~0.3 s.
  const rows = interactions({ users: 20000, items: 30000, perUser: 10, seed: 8 });
  const csv = ['user,item', ...rows.map((r) => `${r.user},${r.item}`)].join('\n') + '\n';
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', file('many.csv', csv)));
  await setParams(page, { factors: 16, iterations: 2, evaluate: true });
  await page.evaluate(() => {
    window.__ranked = [];
    new MutationObserver(() => {
      const m = /: ([\d]+) of ([\d]+) held-out users ranked/.exec(document.getElementById('progress-text').textContent);
      if (m) window.__ranked.push([Number(m[1]), Number(m[2])]);
    }).observe(document.getElementById('progress-text'), { childList: true, characterData: true, subtree: true });
  });
  const modelBefore = await page.getAttribute('body', 'data-model-version');
  await page.click('[data-testid=train]');
  await page.waitForFunction(() => window.__ranked.length >= 2, null, { timeout: 120_000 });
  const t0 = Date.now();
  await nextVersion(page, 'cancel', () => page.click('[data-testid=cancel]'), 30_000);
  const took = (Date.now() - t0) / 1000;
  const ranked = await page.evaluate(() => window.__ranked);
  console.log(`cancel took ${took.toFixed(2)} s after ${ranked.length} slices: ${JSON.stringify(ranked.slice(0, 4))}…`);
  const [done, total] = ranked[ranked.length - 1];
  assert.ok(total > 15000, `held-out users ${total}`);
  assert.ok(done < total, 'cancelled before the last slice');
  assert.ok(ranked.every(([d], i) => i === 0 || d > ranked[i - 1][0]), 'the count only grows');
  assert.ok(took < 5, `cancel took ${took} s (a slice is ~0.3 s)`);
  assert.match(await page.textContent('#progress-text'), /^Evaluation cancelled\. The previous model is kept\./);
  assert.equal(await page.getAttribute('body', 'data-model-version'), modelBefore, 'no model was installed');
  assert.equal(await page.isEnabled('[data-testid=train]'), true);
  assert.deepEqual(app.browser.messages, []);
});

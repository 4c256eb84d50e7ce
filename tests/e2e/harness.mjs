// Shared by the browser end-to-end tests: serve the built site with web/serve.mjs on a free localhost port,
// drive Debian's Chromium through playwright-core, and wait on the page's own progress markers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.ALSREC_SOURCE_DIR || resolve(here, '../..');
export const SITE_DIR = process.env.ALSREC_SITE_DIR || join(SOURCE_DIR, 'build/wasm/site');
export const SHARED_DATA = process.env.ALSREC_SHARED_DATA || resolve(SOURCE_DIR, '../shared/data');
export const ARTIFACTS = process.env.ALSREC_E2E_ARTIFACTS || join(SOURCE_DIR, 'build/wasm/tests/e2e/artifacts');
export const CHROMIUM = process.env.ALSREC_CHROMIUM || '/usr/bin/chromium';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

/** Start web/serve.mjs on a free port (--port 0); resolves once it printed its URL. `needed`: the files siteDir
 *  must hold (default: the site's). */
export function startServer(siteDir = SITE_DIR, { requireWasm = true, isolated = false, needed: neededFiles } = {}) {
  const needed = neededFiles ?? ['index.html', 'main.js', 'worker.js', 'protocol.js', 'alsrec_api.js', 'alsrec.js',
                                 ...(requireWasm ? ['alsrec.wasm'] : [])];
  const missing = needed.filter((f) => !existsSync(join(siteDir, f)));
  if (missing.length) {
    throw new Error(`${siteDir} lacks ${missing.join(', ')}: build the wasm preset (the site) first`);
  }
  const child = spawn(process.execPath, [join(SOURCE_DIR, 'web/serve.mjs'), '--port', '0', '--dir', siteDir,
                                              ...(isolated ? ['--isolated'] : [])],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`serve.mjs did not start: ${out}`)); }, 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ url: match[1], stop: () => child.kill() });
      }
    });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve.mjs exited (${code}): ${out}`)); });
  });
}

/**
 * Launch Chromium with a fresh profile; returns {context, page, messages, close}. `messages` collects the
 * page's console errors and uncaught exceptions, which the tests assert to be empty.
 */
export async function launch({ viewport = { width: 1280, height: 900 } } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/install-deps (Debian chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'alsrec-e2e-profile-'));
  // launchPersistentContext passes --user-data-dir=<profile>; playwright adds its own headless flags too.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport, acceptDownloads: true,
  });
  const page = context.pages()[0] || (await context.newPage());
  const messages = [];
  page.on('console', (m) => { if (m.type() === 'error') messages.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  return {
    context, page, messages, requests,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Open the page and wait until the worker reported `ready` (the demo button is enabled). */
export async function openApp(page, url) {
  await page.goto(url);
  await page.waitForSelector('[data-testid=demo]:not([disabled])', { timeout: 30_000 });
}

/** The page bumps body[data-<name>-version] after each completed load/training; wait for the next one. */
export async function nextVersion(page, name, action, timeout = 120_000) {
  const attr = `data-${name}-version`;
  const before = Number((await page.getAttribute('body', attr)) || 0);
  await action();
  await page.waitForFunction(([a, b]) => Number(document.body.getAttribute(a) || 0) > b, [attr, before],
                             { timeout });
}

export async function setParams(page, { factors, iterations, regularization, alpha, evaluate }) {
  if (factors !== undefined) await page.fill('#p-factors', String(factors));
  if (iterations !== undefined) await page.fill('#p-iterations', String(iterations));
  if (regularization !== undefined) await page.fill('#p-regularization', String(regularization));
  if (alpha !== undefined) await page.fill('#p-alpha', String(alpha));
  if (evaluate !== undefined) await page.setChecked('#p-evaluate', evaluate);
}

/** Click Train and wait for the model (or an error). Returns 'model' | 'error'. */
export async function train(page, timeout = 180_000) {
  const before = Number((await page.getAttribute('body', 'data-model-version')) || 0);
  const errorsBefore = Number((await page.getAttribute('body', 'data-error-version')) || 0);
  await page.click('[data-testid=train]');
  const handle = await page.waitForFunction(([m, e]) => {
    const b = document.body;
    if (Number(b.getAttribute('data-model-version') || 0) > m) return 'model';
    if (Number(b.getAttribute('data-error-version') || 0) > e) return 'error';
    return null;
  }, [before, errorsBefore], { timeout });
  return handle.jsonValue();
}

/** The entries of a list with data-item-id: [{itemId, title}]. */
export async function listedItems(page, testId) {
  return page.$$eval(`[data-testid=${testId}] [data-item-id]`, (els) => els.map((el) => ({
    itemId: el.dataset.itemId, title: el.querySelector('.item-title')?.textContent.trim() ?? '',
  })));
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every request the page made stays on its own origin (no CDNs, no telemetry). */
export function foreignRequests(requests, url) {
  const origin = new URL(url).origin;
  return requests.filter((r) => !r.startsWith(origin) && !r.startsWith('blob:') && !r.startsWith('data:'));
}

/** Serve the site, launch Chromium and open the app: {server, browser, page}. Pair with stopApp(). */
export async function startApp() {
  const server = await startServer();
  const browser = await launch();
  await openApp(browser.page, server.url);
  return { server, browser, page: browser.page };
}

export async function stopApp(app) {
  await app?.browser?.close();
  app?.server?.stop();
}

/** The data summary as {label: value} (Users, Items, Interactions, Titled items, Values…). */
export async function summaryStats(page) {
  return page.$$eval('#summary-stats div', (divs) => Object.fromEntries(divs.map((d) =>
    [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
}

/** Drop files on the page as a person would ({name, buffer} each); resolves after the drop event. */
export async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: f.name, data: Buffer.from(f.buffer).toString('base64') }));
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const { name, data } of list) {
      dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name));
    }
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}

/** What each opened file was taken as: {name: role}. */
export async function openReport(page) {
  return page.$$eval('[data-testid=open-report] li', (els) => Object.fromEntries(els.map((el) =>
    [el.dataset.name, el.dataset.role])));
}

/**
 * A test file whose data is absent reports itself skipped (ctest: exit code 77 = SKIP_RETURN_CODE) and names the
 * path it looked for, instead of passing silently or failing.
 */
export function requireData(paths) {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) {
    console.log(`SKIPPED: test data not found: ${missing.join(', ')} (put the data sets under ${SHARED_DATA}; ` +
                'see README, "Test data")');
    process.exit(77);
  }
}

/** Type a query into "Similar items" search; the text of the first match (or of the match for itemId). */
export async function similarMatch(page, query, itemId = null) {
  await page.fill('#similar-query', query);
  const match = await page.waitForSelector(`#similar-matches button${itemId === null ? '' : `[data-item-id="${itemId}"]`}`);
  return match.textContent();
}

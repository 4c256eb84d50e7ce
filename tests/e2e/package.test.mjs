// The npm package in a browser page without a bundler (README, "Use it from JavaScript"): the tarball installed into
// a fresh project whose index.html imports 'alsrec' through an import map. In Chromium the page loads the module
// (alsrec.wasm fetched from beside the package's alsrec.js: nobody hands it over), trains and recommends:
// single-threaded from a plain server, on the threaded module ('multi') from a cross-origin isolated one; both give
// node's top 10 for the same demo.mjs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { packAndInstall } from '../wasm/npm_package.mjs';
import { SOURCE_DIR, launch, startServer } from './harness.mjs';

const NPM_DIR = process.env.ALSREC_NPM_PACKAGE || join(SOURCE_DIR, 'build/wasm/npm');
const work = mkdtempSync(join(tmpdir(), 'alsrec-npm-e2e-'));
const cleanup = [];
after(async () => {
  for (const close of cleanup.reverse()) await close();
  rmSync(work, { recursive: true, force: true });
});

let project;
let nodeResult;
before(() => {
  if (!existsSync(join(NPM_DIR, 'alsrec.wasm'))) throw new Error(`${NPM_DIR} lacks alsrec.wasm: build the wasm preset`);
  ({ project } = packAndInstall(NPM_DIR, work));
  nodeResult = JSON.parse(execFileSync(process.execPath, ['app.mjs', work], { cwd: project, encoding: 'utf8' }));
});

async function inBrowser(threads, isolated) {
  const server = await startServer(project, { isolated, needed: ['index.html', 'demo.mjs',
                                                                 'node_modules/alsrec/alsrec_api.js'] });
  cleanup.push(() => server.stop());
  const browser = await launch();
  cleanup.push(() => browser.close());
  await browser.page.goto(`${server.url}?threads=${threads}`);
  await browser.page.waitForFunction(() => window.alsrecResult, null, { timeout: 60_000 });
  const result = await browser.page.evaluate(() => window.alsrecResult);
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(browser.messages, [], 'no console errors');
  const wasm = threads === 'multi' ? 'alsrec-mt.wasm' : 'alsrec.wasm';
  assert.ok(browser.requests.some((url) => url.endsWith(`/node_modules/alsrec/${wasm}`)),
    `${wasm} fetched from the package: ${browser.requests.join(', ')}`);
  return result;
}

function assertSameAsNode(result) {
  assert.equal(result.version, nodeResult.version);
  assert.deepEqual(result.alreadyRated, nodeResult.alreadyRated);
  for (const [user, top] of Object.entries(nodeResult.recommendations)) {
    const got = result.recommendations[user];
    assert.deepEqual(got.map((e) => e.itemId), top.map((e) => e.itemId), `user ${user}: same items as node`);
    got.forEach((e, k) => assert.ok(Math.abs(e.score - top[k].score) <= 1e-5 * Math.max(1, Math.abs(top[k].score)),
      `user ${user} rank ${k + 1}: browser ${e.score}, node ${top[k].score}`));
  }
}

test('a plain page imports the package by an import map and trains as node does', async () => {
  const result = await inBrowser('single', false);
  assert.equal(result.threads, 1);
  assertSameAsNode(result);
});

test('a cross-origin isolated page runs the package\'s threaded module to the same top 10', async (t) => {
  if (!existsSync(join(project, 'node_modules', 'alsrec', 'alsrec-mt.wasm'))) {
    t.skip('the package has no threaded module (ALSREC_WASM_THREADS=OFF)');
    return;
  }
  const result = await inBrowser('multi', true);
  assert.ok(result.threads > 1, `threads: ${result.threads}`);
  assertSameAsNode(result);
});

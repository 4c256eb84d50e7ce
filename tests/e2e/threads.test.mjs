// The threaded module is used exactly when the page is cross-origin isolated (the server sends COOP/COEP), and the
// page falls back to the single-threaded module by itself otherwise; both train the demo to the same recommendations.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SITE_DIR, launch, listedItems, nextVersion, openApp, setParams, startServer, train } from './harness.mjs';

const opened = [];
after(async () => {
  for (const { browser, server } of opened) {
    await browser?.close();
    server?.stop();
  }
});

async function demoRecommendations(isolated) {
  const server = await startServer(SITE_DIR, { isolated });
  const browser = await launch();
  opened.push({ browser, server });
  const page = browser.page;
  await openApp(page, server.url);
  const isolation = await page.evaluate(() => globalThis.crossOriginIsolated === true);
  const status = await page.textContent('#engine-status');
  await nextVersion(page, 'data', () => page.click('[data-testid=demo]'));
  await setParams(page, { factors: 32, iterations: 8, evaluate: false });
  assert.equal(await train(page), 'model');
  return { isolation, status, items: (await listedItems(page, 'recommendations')).map((r) => r.itemId) };
}

test('isolated page runs the threaded module; plain page the single-threaded one; same results', async (t) => {
  if (!existsSync(join(SITE_DIR, 'alsrec-mt.wasm'))) {
    t.skip('alsrec-mt was not built (ALSREC_WASM_THREADS=OFF)');
    return;
  }
  const plain = await demoRecommendations(false);
  assert.equal(plain.isolation, false);
  assert.doesNotMatch(plain.status, /threads/, plain.status);
  const isolated = await demoRecommendations(true);
  assert.equal(isolated.isolation, true);
  assert.match(isolated.status, /· 2 threads/, isolated.status);
  assert.equal(plain.items.length, 10);
  assert.deepEqual(isolated.items, plain.items, 'thread count does not change the model');
});

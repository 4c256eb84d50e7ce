import { launch, openApp, nextVersion, setParams, train, startServer } from './harness.mjs';
const server = await startServer(process.env.SITE);
const width = Number(process.env.W || 1280);
const b = await launch({ viewport: { width, height: 900 } });
const page = b.page;
if (process.env.DARK) await page.emulateMedia({ colorScheme: 'dark' });
await openApp(page, server.url);
await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]', '/work/shared/data/ml-latest-small/ratings.csv'));
await nextVersion(page, 'items', () => page.setInputFiles('[data-testid=items-file]', '/work/shared/data/ml-latest-small/movies.csv'));
await setParams(page, { factors: 64, iterations: 15, evaluate: true });
await train(page);
for (const id of ['title','engine']) {}
await page.fill('[data-testid=rate-search]', 'matrix');
await page.waitForTimeout(100);
await page.click('#rate-matches li:first-child button[data-stars="5"]');
await page.fill('[data-testid=rate-search]', 'toy story');
await page.waitForTimeout(100);
await page.click('#rate-matches li:first-child button[data-stars="4"]');
await page.waitForTimeout(300);
const hover = await page.$('#map-chart');
const box = await hover.boundingBox();
for (const sel of ['.site-header', '#data', '#train-section', '#results', '#rate', '#files', '#help']) {
  await page.locator(sel).screenshot({ path: `/tmp/webdev/${process.env.P || ''}${sel.replace(/[#.]/g,'')}.png` });
}
console.log(b.messages);
await b.close(); server.stop();

// The files people have, as they have them: ratings and titles told apart by content (and the page says what
// each file was taken as), titles that belong to their own data set, names with quotes in tab files, u.data
// refused as titles, and the GroupLens .zip downloads and .gz files opened as they are.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dropFiles, listedItems, nextVersion, openReport, setParams, similarMatch, startApp, stopApp, summaryStats,
         train } from './harness.mjs';
import { file, gzip, lastfmLike, ml100kLike, movielensLike, zip } from './datasets.mjs';

let app, page;
before(async () => { app = await startApp(); page = app.page; });
after(() => stopApp(app));

const ml100k = ml100kLike();
const lastfm = lastfmLike();
const movielens = movielensLike();

async function errorText() {
  await page.waitForSelector('[data-testid=error]', { state: 'visible' });
  return (await page.textContent('[data-testid=error]')).replace(/\s+/g, ' ').trim();
}

test('titles belong to the data set they came with: new ratings start without them', async () => {
  await nextVersion(page, 'items', () => nextVersion(page, 'data', () =>
    dropFiles(page, [file('u.data', ml100k.data), file('u.item', ml100k.item)])));
  assert.match((await summaryStats(page))['Titled items'], /^200 \(u\.item\)/);
  // Now a ratings file of another data set, without titles: the old titles must not stick to its items.
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]',
                                                            file('user_artists.dat', lastfm.plays)));
  assert.equal((await summaryStats(page))['Titled items'], 'none yet');
  await setParams(page, { factors: 8, iterations: 3, evaluate: false });
  assert.equal(await train(page), 'model');
  const recs = await listedItems(page, 'recommendations');
  assert.equal(recs.length, 10);
  for (const r of recs) assert.equal(r.title, `Item ${r.itemId}`, `no title from u.item on ${r.itemId}`);
});

test('dropped ratings and titles are told apart by their content, whatever their names', async () => {
  // Neutral names, titles first: only the content can tell which is which.
  await nextVersion(page, 'items', () => nextVersion(page, 'data', () =>
    dropFiles(page, [file('first.tsv', lastfm.artists), file('second.tsv', lastfm.plays)])));
  assert.deepEqual(await openReport(page), { 'first.tsv': 'titles', 'second.tsv': 'ratings' });
  const report = await page.textContent('[data-testid=open-report]');
  assert.match(report, /second\.tsv: used as the ratings/);
  assert.match(report, /first\.tsv: used as the titles/);
  const stats = await summaryStats(page);
  assert.equal(stats.Users, '150');
  assert.match(stats['Titled items'], /\(first\.tsv\)$/);
  // A name that starts with a quote in a tab file is a name: `"Weird Al" Yankovic` is kept as it is.
  await setParams(page, { factors: 8, iterations: 3, evaluate: false });
  assert.equal(await train(page), 'model');
  assert.equal(await similarMatch(page, 'weird al', '1'), '"Weird Al" Yankovic');
});

test('u.data is not accepted as a titles file', async () => {
  const before = (await summaryStats(page))['Titled items'];
  await nextVersion(page, 'error', () => page.setInputFiles('[data-testid=items-file]', file('u.data', ml100k.data)));
  const text = await errorText();
  assert.match(text, /u\.data could not be read as a titles file/);
  assert.match(text, /holds only numbers: this looks like a ratings file, not item titles/);
  assert.equal((await summaryStats(page))['Titled items'], before, 'the titles in use are kept');
});

test('ml-latest-small.zip as downloaded: ratings.csv and movies.csv are found and named', async () => {
  const archive = zip({
    'ml-latest-small/README.txt': 'Summary\n=======\nThis dataset (ml-latest-small) describes ...\n',
    'ml-latest-small/links.csv': 'movieId,imdbId,tmdbId\n1,0114709,862\n2,0113497,8844\n',
    'ml-latest-small/movies.csv': movielens.movies,
    'ml-latest-small/ratings.csv': movielens.ratings,
    'ml-latest-small/tags.csv': 'userId,movieId,tag,timestamp\n2,60756,funny,1445714994\n2,60756,Highly quotable,1445714996\n',
  });
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]',
                                                            file('ml-latest-small.zip', archive)));
  const roles = await openReport(page);
  assert.equal(roles['ml-latest-small/ratings.csv'], 'ratings');
  assert.equal(roles['ml-latest-small/movies.csv'], 'titles');
  for (const other of ['README.txt', 'links.csv', 'tags.csv']) assert.equal(roles[`ml-latest-small/${other}`], 'unused');
  assert.match(await page.textContent('[data-testid=open-report]'), /\(in ml-latest-small\.zip\)/);
  const stats = await summaryStats(page);
  assert.equal(stats.Interactions, movielens.rows.length.toLocaleString('en-US'));
  assert.match(stats['Titled items'], /\(movies\.csv\)$/);
  assert.match(await page.textContent('#format-heading'), /What was detected/);
});

test('ml-100k.zip and ml-1m.zip dropped: u.data + u.item, ratings.dat + movies.dat (Latin-1, quotes)', async () => {
  const archive100k = zip({ 'ml-100k/u.data': ml100k.data, 'ml-100k/u.item': ml100k.item,
                            'ml-100k/u1.base': ml100k.data.split('\n').slice(0, 900).join('\n') + '\n',
                            'ml-100k/u.user': '1|24|M|technician|85711\n2|53|F|other|94043\n',
                            'ml-100k/README': 'MovieLens data sets were collected by the GroupLens Research Project\n' });
  await nextVersion(page, 'data', () => dropFiles(page, [file('ml-100k.zip', archive100k)]));
  let roles = await openReport(page);
  assert.equal(roles['ml-100k/u.data'], 'ratings');
  assert.equal(roles['ml-100k/u.item'], 'titles');
  assert.equal(roles['ml-100k/u1.base'], 'unused');
  assert.equal((await summaryStats(page)).Interactions, ml100k.rows.length.toLocaleString('en-US'));

  const ratingsDat = ml100k.rows.map((x) => `${x.user}::${x.item}::${x.value}::${x.time}`).join('\n') + '\n';
  const moviesDat = Buffer.from(Array.from({ length: 200 }, (_, k) => `${k + 1}::${
    k === 0 ? '"Great Performances" Cats (1998)' : k === 1 ? 'Cité des enfants perdus, La (1995)' : `Movie ${k + 1} (1990)`
  }::Drama`).join('\n') + '\n', 'latin1');
  const usersDat = '1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::15::55117\n';
  await nextVersion(page, 'data', () => dropFiles(page, [file('ml-1m.zip', zip({
    'ml-1m/ratings.dat': ratingsDat, 'ml-1m/movies.dat': moviesDat, 'ml-1m/users.dat': usersDat }))]));
  roles = await openReport(page);
  assert.deepEqual(roles, { 'ml-1m/ratings.dat': 'ratings', 'ml-1m/movies.dat': 'titles', 'ml-1m/users.dat': 'unused' });
  assert.match((await summaryStats(page))['Titled items'], /^200 /);
  await setParams(page, { factors: 8, iterations: 3, evaluate: false });
  assert.equal(await train(page), 'model');
  for (const [query, title] of [['great performances', '"Great Performances" Cats (1998)'],
    ['cite des enfants', 'Cité des enfants perdus, La (1995)']]) {
    assert.equal(await similarMatch(page, query), title);
  }
});

test('.gz files are opened as they are: ratings.csv.gz picked, movies.csv.gz dropped', async () => {
  await nextVersion(page, 'data', () => page.setInputFiles('[data-testid=ratings-file]',
                                                            file('ratings.csv.gz', gzip(movielens.ratings))));
  assert.deepEqual(await openReport(page), { 'ratings.csv': 'ratings' });
  assert.match(await page.textContent('[data-testid=open-report]'), /ratings\.csv \(in ratings\.csv\.gz\): used as the ratings/);
  assert.equal((await summaryStats(page)).Interactions, movielens.rows.length.toLocaleString('en-US'));
  await nextVersion(page, 'items', () => dropFiles(page, [file('movies.csv.gz', gzip(movielens.movies))]));
  assert.deepEqual(await openReport(page), { 'movies.csv': 'titles' });
  assert.match((await summaryStats(page))['Titled items'], /\(movies\.csv\)$/);
  // A broken file inside a .gz gets the reader's own words, with line numbers.
  const broken = ['user,item,rating', ...Array.from({ length: 30 }, (_, i) => `u${i},i${i % 4},${i % 3 ? 'lots' : 4}`)];
  await nextVersion(page, 'error', () => page.setInputFiles('[data-testid=ratings-file]',
                                                             file('broken.csv.gz', gzip(broken.join('\n')))));
  assert.match(await errorText(), /broken\.csv\.gz could not be read .*line \d+: rating 'lots' is not a number/);
  assert.equal((await summaryStats(page)).Interactions, movielens.rows.length.toLocaleString('en-US'), 'data kept');
  assert.deepEqual(app.browser.messages, []);
});

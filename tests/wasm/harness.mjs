// Shared by the node tests of the wasm module: where things are, loading the API, small fixtures, assertions.
// Locations come from the command line (as ctest passes them) or the environment:
//   --site DIR    (ALSREC_SITE_DIR)     the built site: alsrec.js, alsrec.wasm, alsrec_api.js
//   --cli PATH    (ALSREC_NATIVE_CLI)   the native `alsrec` binary, for parity tests
//   --data DIR    (ALSREC_TEST_DATA)    tests/data
//   --shared DIR  (ALSREC_SHARED_DATA)  folder holding ml-latest-small/
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function arg(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[envName] || fallback;
}

export const paths = {
  site: path.resolve(arg('site', 'ALSREC_SITE_DIR', path.join(repo, 'build', 'wasm', 'site'))),
  cli: path.resolve(arg('cli', 'ALSREC_NATIVE_CLI', path.join(repo, 'build', 'native', 'alsrec'))),
  data: path.resolve(arg('data', 'ALSREC_TEST_DATA', path.join(repo, 'tests', 'data'))),
  shared: path.resolve(arg('shared', 'ALSREC_SHARED_DATA', path.join(repo, '..', 'shared', 'data'))),
};

// The API module of the site under test.
export const apiModule = await import(pathToFileURL(path.join(paths.site, 'alsrec_api.js')).href);
export const { AlsrecError } = apiModule;

let alsrec;
export async function loadApi() {
  alsrec ??= await apiModule.loadAlsrec({ wasmBinary: fs.readFileSync(path.join(paths.site, 'alsrec.wasm')) });
  return alsrec;
}

export const utf8 = (text) => new TextEncoder().encode(text);

// fn() must throw an AlsrecError with this code (and a message matching `pattern`, when given).
export function assertAlsrecError(fn, code, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof AlsrecError, `expected an AlsrecError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

// Checkerboard: users 1..12, items 1..10; a user likes the items of its own parity and has rated all of them but
// one ("withheld", different per user). Rating (u + i) % 5 + 1, timestamp 1000·u + i. The rows come in user order,
// then one duplicate of user 1's first pair (a new rating; policy 'last' keeps it) and one malformed row.
export function checkerboard() {
  const lines = ['userId,movieId,rating,timestamp'];
  const seen = new Map();      // user -> [items]
  const withheld = new Map();  // user -> item
  const ratings = new Map();   // "u,i" -> rating kept
  for (let u = 1; u <= 12; ++u) {
    const own = [1, 2, 3, 4, 5].map((k) => 2 * k - (u % 2));  // odd users: 1,3,5,7,9; even users: 2,4,6,8,10
    withheld.set(u, own[u % 5]);
    seen.set(u, own.filter((i) => i !== own[u % 5]));
    for (const i of seen.get(u)) {
      lines.push(`${u},${i},${(u + i) % 5 + 1},${1000 * u + i}`);
      ratings.set(`${u},${i}`, (u + i) % 5 + 1);
    }
  }
  const firstOfUser1 = seen.get(1)[0];
  lines.push(`1,${firstOfUser1},4.5,1999`);  // line 50: duplicate, rating 4.5 replaces the first one
  ratings.set(`1,${firstOfUser1}`, 4.5);
  lines.push('x,3,not-a-number,5');          // line 51: bad rating
  return { text: lines.join('\n') + '\n', seen, withheld, ratings, badLine: 51 };
}

export function isEven(id) { return Number(id) % 2 === 0; }

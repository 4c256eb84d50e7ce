// Shared by the node tests of the wasm module: where things are, loading the API, small fixtures, assertions.
// Locations come from the command line (as ctest passes them) or the environment:
//   --site DIR    (ALSREC_SITE_DIR)     the built site: alsrec.js, alsrec.wasm, alsrec_api.js
//   --cli PATH    (ALSREC_NATIVE_CLI)   the native `alsrec` binary, for parity tests
//   --data DIR    (ALSREC_TEST_DATA)    tests/data
//   --shared DIR  (ALSREC_SHARED_DATA)  folder holding ml-latest-small/
//   --package DIR (ALSREC_NPM_PACKAGE)  the npm package directory the wasm build assembles (build/wasm/npm)
//   --tsc PATH    (ALSREC_TSC)          TypeScript's bin/tsc (node_modules/typescript/bin/tsc)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
  npmPackage: path.resolve(arg('package', 'ALSREC_NPM_PACKAGE', path.join(repo, 'build', 'wasm', 'npm'))),
  tsc: path.resolve(arg('tsc', 'ALSREC_TSC', path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'))),
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

// Same items at every rank, or (floating-point near-ties) the same set with the same scores rank by rank. `native`
// is the CLI's JSON ({item, score}), `wasm` the API's ScoredItem ({itemId, score}).
export function assertSameRanking(native, wasm, what) {
  assert.equal(wasm.length, native.length, `${what}: list length`);
  const nativeIds = native.map((e) => e.item);
  const wasmIds = wasm.map((e) => e.itemId);
  for (let k = 0; k < native.length; ++k) {
    assert.ok(Math.abs(native[k].score - wasm[k].score) <= 1e-4 * Math.max(1, Math.abs(native[k].score)),
      `${what}: score at rank ${k + 1}: native ${native[k].score}, wasm ${wasm[k].score}`);
  }
  if (nativeIds.join() !== wasmIds.join()) {
    assert.deepEqual([...wasmIds].sort(), [...nativeIds].sort(), `${what}: native ${nativeIds} vs wasm ${wasmIds}`);
  }
}

// The native CLI (paths.cli): its stdout, asserting exit status 0; cliJson parses it (`--json` commands).
export function cli(...args) {
  const r = spawnSync(paths.cli, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `alsrec ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export function cliJson(...args) {
  const out = cli(...args);
  try {
    return JSON.parse(out);
  } catch {
    assert.fail(`${paths.cli} ${args.join(' ')} printed no JSON (an old build of the CLI?): ${out.slice(0, 200)}`);
  }
}

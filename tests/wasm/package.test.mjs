// The npm package (README, "Use it from JavaScript"): `npm pack` of build/wasm/npm ships only what a user needs,
// `npm install <tarball>` into a fresh project works offline, and there: node imports 'alsrec', loads the module
// without being handed the .wasm (also without process.getBuiltinModule, as on Node 18), trains and recommends; the
// native CLI trained on the same rows with the same parameters gives the same top 10, and so does the CLI reading the
// model file the package saved; `tsc --noEmit` type-checks example.ts against the shipped alsrec.d.ts. The browser
// side of the package is tests/e2e/package.test.mjs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertSameRanking, cli, cliJson, paths } from './harness.mjs';
import { packAndInstall } from './npm_package.mjs';

const REQUIRED = ['README.md', 'package.json', 'alsrec_api.js', 'alsrec.d.ts', 'alsrec.js', 'alsrec.wasm'];
const THREADED = ['alsrec-mt.js', 'alsrec-mt.wasm', 'alsrec-mt.worker.js'];
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'alsrec-npm-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
let pkg;
let nodeResult;
const seconds = (start) => ((performance.now() - start) / 1000).toFixed(2);

before(() => {
  const start = performance.now();
  pkg = packAndInstall(paths.npmPackage, work);
  console.log(`# npm pack + npm install: ${seconds(start)} s; ${pkg.packed.filename} ${pkg.packed.size} bytes ` +
              `(${pkg.packed.unpackedSize} unpacked)`);
});

function node(script) {
  return JSON.parse(execFileSync(process.execPath, [script, work], { cwd: pkg.project, encoding: 'utf8' }));
}

test('npm pack ships the module, the API, its types, package.json and README, nothing else', () => {
  const shipped = pkg.packed.files.map((f) => f.path).sort();
  const threaded = shipped.includes('alsrec-mt.wasm') ? THREADED : [];
  assert.deepEqual(shipped, [...REQUIRED, ...threaded].sort());
  const installed = JSON.parse(fs.readFileSync(path.join(pkg.project, 'node_modules', 'alsrec', 'package.json')));
  assert.equal(installed.name, 'alsrec');
  assert.deepEqual(Object.keys(installed.dependencies ?? {}), [], 'no dependencies: installs offline');
  // README.md states the tarball's size; keep it true (within 15%) when the module grows or shrinks.
  const stated = /npm pack[^\n]*?\b(\d+) kB\b/.exec(fs.readFileSync(README, 'utf8'));
  assert.ok(stated, `${README} states the size of npm pack's tarball ("npm pack ... N kB")`);
  const kB = pkg.packed.size / 1000;
  assert.ok(Math.abs(kB - Number(stated[1])) <= 0.15 * kB,
    `README.md says the package is ${stated[1]} kB; npm pack made ${kB.toFixed(0)} kB: update README.md`);
});

test('node: import from "alsrec" finds alsrec.wasm itself, trains and recommends', (t) => {
  const start = performance.now();
  nodeResult = node('app.mjs');
  t.diagnostic(`node app.mjs: ${seconds(start)} s`);
  const installed = JSON.parse(fs.readFileSync(path.join(pkg.project, 'node_modules', 'alsrec', 'package.json')));
  assert.equal(nodeResult.version, installed.version);
  assert.equal(nodeResult.threads, 1);
  assert.deepEqual([nodeResult.users, nodeResult.items, nodeResult.interactions], [400, 300, 12000]);
  assert.equal(nodeResult.params.factors, 32);
  assert.equal(nodeResult.unknownUser, 'invalid_argument', 'errors are the package\'s AlsrecError');
  for (const [user, top] of Object.entries(nodeResult.recommendations)) {
    assert.equal(top.length, 10, `user ${user}: 10 items`);
    assert.equal(new Set(top.map((e) => e.itemId)).size, 10, `user ${user}: distinct items`);
    top.forEach((e, k) => assert.ok(k === 0 || top[k - 1].score >= e.score, `user ${user}: sorted at rank ${k + 1}`));
    assert.equal(nodeResult.alreadyRated[user], 0, `user ${user}: nothing already rated`);
  }
});

test('node without process.getBuiltinModule (as Node 18): the same result', () => {
  assert.ok(nodeResult, 'the first node run succeeded');
  assert.deepEqual(node('node18.mjs'), nodeResult);
});

test('the native CLI: same top 10 from the same rows and parameters, and from the package\'s model file', (t) => {
  if (!fs.existsSync(paths.cli)) {
    t.skip(`no native CLI at ${paths.cli} (build the native preset first)`);
    return;
  }
  assert.ok(nodeResult, 'the node run wrote ratings.csv and model.alsr');
  const { factors, iterations, seed, regularization, solver } = nodeResult.params;
  assert.deepEqual({ factors, iterations, seed, regularization, solver },
                   { factors: 32, iterations: 10, seed: 42, regularization: 0.1, solver: 'cholesky' });
  const cliModel = path.join(work, 'cli.alsr');
  cli('train', '--input', path.join(work, 'ratings.csv'), '--output', cliModel, '--factors', '32', '--iterations', '10',
      '--seed', '42', '--regularization', '0.1', '--solver', 'cholesky', '--no-screen', '--threads', '1');
  for (const [user, top] of Object.entries(nodeResult.recommendations)) {
    // Trained natively: the same ranking, scores within 1e-4 (floating-point rounding differs, not the method).
    assertSameRanking(cliJson('recommend', '--model', cliModel, '--user', user, '-n', '10', '--json').items, top,
                      `user ${user}, CLI-trained`);
    // The package's own model, read by the CLI: the same list, item for item.
    const fromFile = cliJson('recommend', '--model', path.join(work, 'model.alsr'), '--user', user, '-n', '10', '--json');
    assert.deepEqual(fromFile.items.map((e) => e.item), top.map((e) => e.itemId), `user ${user}, package's model file`);
  }
});

test('tsc --noEmit: example.ts type-checks against the shipped alsrec.d.ts, misuse does not', (t) => {
  assert.ok(fs.existsSync(paths.tsc), `${paths.tsc} is missing: run npm ci (typescript is a devDependency)`);
  const start = performance.now();
  try {
    execFileSync(process.execPath, [paths.tsc, '--noEmit', '-p', 'tsconfig.json'],
                 { cwd: pkg.project, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc --noEmit failed:\n${e.stdout}${e.stderr}`);
  }
  t.diagnostic(`tsc --noEmit: ${seconds(start)} s`);
});

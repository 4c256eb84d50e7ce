// web/serve.mjs: MIME types a browser insists on (application/wasm for streaming compilation, text/javascript for
// module workers), no escape from the site folder, COOP/COEP only with --isolated, loopback only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SOURCE_DIR } from './harness.mjs';

const site = mkdtempSync(join(tmpdir(), 'alsrec-serve-'));
const outside = join(site, '..', `${site.split('/').pop()}-secret.txt`);
const servers = [];

function serve(...args) {
  const child = spawn(process.execPath, [join(SOURCE_DIR, 'web/serve.mjs'), '--port', '0', '--dir', site, ...args],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /at http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited ${code}: ${out}`)));
  });
}

/** A raw GET (no URL normalisation by a client library: '..' reaches the server as written). */
function get(port, path) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let port, isolatedPort;

before(async () => {
  mkdirSync(join(site, 'vendor'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(site, 'main.js'), 'export {};');
  writeFileSync(join(site, 'alsrec.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(site, 'style.css'), 'body{}');
  writeFileSync(join(site, 'vendor', 'chart.umd.min.js'), '/* chart */');
  writeFileSync(outside, 'secret');
  port = await serve();
  isolatedPort = await serve('--isolated');
});

after(() => {
  for (const s of servers) s.kill();
  rmSync(site, { recursive: true, force: true });
  rmSync(outside, { force: true });
});

test('serves the site with the right MIME types', async () => {
  const cases = [['/', 'text/html'], ['/index.html', 'text/html'], ['/main.js', 'text/javascript'],
                 ['/alsrec.wasm', 'application/wasm'], ['/style.css', 'text/css'],
                 ['/vendor/chart.umd.min.js', 'text/javascript']];
  for (const [path, type] of cases) {
    const res = await get(port, path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['content-type'].split(';')[0], type, path);
  }
  const wasm = await get(port, '/alsrec.wasm');
  assert.equal(wasm.body.slice(1, 4), 'asm');
  assert.equal(wasm.headers['content-length'], '8');
});

test('stays inside the site folder', async () => {
  const name = outside.split('/').pop();
  for (const path of [`/../${name}`, `/%2e%2e/${name}`, `/vendor/../../${name}`, `/..%2f${name}`]) {
    const res = await get(port, path);
    assert.ok(res.status === 403 || res.status === 404, `${path} → ${res.status}`);
    assert.ok(!res.body.includes('secret'), path);
  }
  assert.equal((await get(port, '/missing.js')).status, 404);
});

test('cross-origin isolation headers only with --isolated', async () => {
  const plain = await get(port, '/index.html');
  assert.equal(plain.headers['cross-origin-opener-policy'], undefined);
  assert.equal(plain.headers['cross-origin-embedder-policy'], undefined);
  const isolated = await get(isolatedPort, '/index.html');
  assert.equal(isolated.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(isolated.headers['cross-origin-embedder-policy'], 'require-corp');
});

test('a bad option is refused with a message', async () => {
  const child = spawn(process.execPath, [join(SOURCE_DIR, 'web/serve.mjs'), '--prot', '1'], { stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /unknown option --prot/);
});

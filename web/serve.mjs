#!/usr/bin/env node
// A tiny dependency-free static server for the built site (page + wasm module), bound to 127.0.0.1.
//   node web/serve.mjs [--port 8080] [--dir build/wasm/site] [--isolated]
// --port 0 picks a free port. --isolated adds the COOP/COEP headers a threaded (SharedArrayBuffer) build needs.
// The first line printed is always "Serving <dir> at http://127.0.0.1:<port>/" (tests read the URL from it).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

function parseArgs(argv) {
  const args = { port: 8080, dir: 'build/wasm/site', isolated: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') args.port = Number(value());
    else if (a === '--dir') args.dir = value();
    else if (a === '--isolated') args.isolated = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error('--port must be 0..65535');
  return args;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`serve.mjs: ${e.message}`);
  process.exit(2);
}
if (args.help) {
  console.log('usage: node web/serve.mjs [--port 8080] [--dir build/wasm/site] [--isolated]');
  process.exit(0);
}

const root = resolve(args.dir);
try {
  if (!statSync(root).isDirectory()) throw new Error('not a directory');
} catch {
  console.error(`serve.mjs: ${root} is not a directory; build the site first (cmake --workflow --preset wasm)`);
  process.exit(1);
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

const server = createServer((req, res) => {
  const common = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (args.isolated) {
    common['Cross-Origin-Opener-Policy'] = 'same-origin';
    common['Cross-Origin-Embedder-Policy'] = 'require-corp';
    common['Cross-Origin-Resource-Policy'] = 'same-origin';
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', common);
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad request', common);
  }
  if (pathname.includes('\0')) return send(res, 400, 'bad request', common);
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = normalize(join(root, pathname));
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'forbidden', common);
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return send(res, 404, 'not found', common);
  }
  if (stat.isDirectory()) return send(res, 301, '', { ...common, Location: pathname + '/' });
  const type = MIME[file.endsWith('.d.ts') ? '.d.ts' : extname(file).toLowerCase()] || 'application/octet-stream';
  res.writeHead(200, { ...common, 'Content-Type': type, 'Content-Length': stat.size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
});

server.on('error', (e) => {
  console.error(`serve.mjs: ${e.message}`);
  process.exit(1);
});
server.listen(args.port, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`Serving ${root} at http://127.0.0.1:${port}/${args.isolated ? ' (cross-origin isolated)' : ''}`);
  console.log('Press Ctrl+C to stop.');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

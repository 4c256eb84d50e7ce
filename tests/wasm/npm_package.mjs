// The npm package as a user gets it: `npm pack` of the package directory the wasm build assembles (build/wasm/npm),
// then `npm install <tarball>` into a fresh project holding the fixtures of tests/wasm/package/. Offline: the
// package has no dependencies, so npm never needs the registry (a private npm cache keeps runs independent).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'package');

function npm(args, cwd, cache) {
  return execFileSync(process.env.ALSREC_NPM || 'npm', args, {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' },
  });
}

/** Packs `packageDir` into `work` and installs it into `work`/project; returns {packed, tarball, project}, where
 *  packed is npm pack's JSON report (filename, size, unpackedSize, files [{path, size}]). */
export function packAndInstall(packageDir, work) {
  const cache = join(work, 'npm-cache');
  const [packed] = JSON.parse(npm(['pack', packageDir, '--json', '--ignore-scripts', '--pack-destination', work],
                                  work, cache));
  const tarball = join(work, packed.filename);
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'),
                JSON.stringify({ name: 'alsrec-user', private: true, type: 'module' }, null, 2) + '\n');
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(project, name));
  npm(['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], project, cache);
  return { packed, tarball, project };
}

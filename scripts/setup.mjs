#!/usr/bin/env node
// First-run setup shared by `npm start` and `npm test`: installs npm packages when they are
// missing or older than package-lock.json, checks that the native modules really load (npm 11
// may skip install scripts), and, as root on Debian, installs the Python model packages.
// Everything comes from the npm registry and Debian's archive; nothing else is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython } from './python.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const DEBIAN_PACKAGES = ['python3-torch', 'python3-onnx', 'python3-numpy', 'python3-pil', 'python3-pytest'];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`setup: '${cmd} ${args.join(' ')}' failed (exit ${r.status}).`);
    process.exit(r.status || 1);
  }
}

function npmPackagesStale() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  const lock = join(root, 'package-lock.json');
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

if (npmPackagesStale()) {
  console.log('setup: installing npm packages...');
  run('npm', [existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install']);
}

for (const mod of ['onnxruntime-node', 'sharp']) {
  try {
    require(mod);
  } catch (err) {
    console.error(`setup: the native module '${mod}' does not load: ${err.message.split('\n')[0]}`);
    console.error(`setup: try 'npm rebuild ${mod}' and check that its install script is allowed.`);
    process.exit(1);
  }
}

const wantsPython = process.argv.includes('--python');
if (wantsPython && !findPython(['torch', 'onnx', 'PIL', 'pytest'])) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`setup: installing ${DEBIAN_PACKAGES.join(' ')} from Debian...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', '--no-install-recommends', ...DEBIAN_PACKAGES], { env });
  } else {
    console.error(
      `setup: the model tests need Python with torch, onnx, Pillow and pytest: ` +
        `sudo apt-get install ${DEBIAN_PACKAGES.join(' ')} (or set GLOW_PYTHON).`,
    );
    process.exit(1);
  }
}

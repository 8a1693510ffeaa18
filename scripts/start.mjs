#!/usr/bin/env node
// `npm start`: first-run setup, build, then open the studio: in Electron where its binary is
// installed (`node node_modules/electron/install.js` fetches it, with a network), otherwise on
// the loopback host in a Chromium app window, or as a link to open when there is no display.
// Extra arguments go to the host: npm start -- --no-open --port 8080 --library my.sqlite
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function step(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function electronBinary() {
  try {
    return require('electron'); // the binary's path; throws when it was never downloaded
  } catch {
    return undefined;
  }
}

step(process.execPath, [join(root, 'scripts', 'setup.mjs')]);
step('npm', ['run', '--silent', 'build']);

const electron = electronBinary();
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.platform !== 'linux');
const [cmd, args] =
  electron && hasDisplay
    ? [electron, [join(root, 'dist', 'main', 'electron', 'main.js')]]
    : [process.execPath, [join(root, 'dist', 'main', 'host', 'serve.js'), ...process.argv.slice(2)]];
const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));

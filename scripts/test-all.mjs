#!/usr/bin/env node
// `npm test`: typecheck, lint (with the layer check), the Python model tests, then the
// TypeScript unit and e2e tests; ends with one summary line over everything.
import { spawn } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython } from './python.mjs';
import { walkFiles } from './walk.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['app', 'main', 'scripts', 'e2e', 'renderer/src'];
const TEST_FILE = /\.test\.(ts|mjs)$/;

function testFiles() {
  return TEST_DIRS.flatMap((d) => [...walkFiles(join(root, d), TEST_FILE)].map((p) => relative(root, p))).sort();
}

/** Runs a command, echoing its output, and resolves with { code, output }. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream, sink) =>
      stream.on('data', (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const count = (text, re) => Number(re.exec(text)?.[1] ?? 0);
const npx = (bin, args) => run(process.execPath, [join(root, 'node_modules', '.bin', bin), ...args]);
const stages = [];
let passed = 0;
let failed = 0;

async function stage(name, runner, tally) {
  console.log(`\n=== ${name}`);
  const { code, output } = await runner();
  const t = tally ? tally(output) : { pass: code === 0 ? 1 : 0, fail: code === 0 ? 0 : 1 };
  if (code !== 0 && t.fail === 0) t.fail = 1; // a crash that counted nothing still fails
  passed += t.pass;
  failed += t.fail;
  stages.push({ stage: name, passed: t.pass, failed: t.fail, exit: code });
}

await stage('typecheck', () => npx('tsc', ['-p', 'tsconfig.json']));
await stage('lint', () => npx('eslint', ['.']));
await stage('layer check', () => run(process.execPath, [join(root, 'scripts', 'check-layers.mjs')]));
await stage(
  'model tests (pytest)',
  () => {
    const python = findPython(['torch', 'onnx', 'pytest']);
    if (!python) return Promise.resolve({ code: 1, output: 'no Python with torch, onnx and pytest (see README)\n' });
    return run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'models/tests']);
  },
  (out) => ({ pass: count(out, /(\d+) passed/), fail: count(out, /(\d+) failed/) + count(out, /(\d+) error/) }),
);
await stage(
  'unit and e2e tests (node --test)',
  () => run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...testFiles()]),
  (out) => ({ pass: count(out, /ℹ pass (\d+)/), fail: count(out, /ℹ fail (\d+)/) + count(out, /ℹ cancelled (\d+)/) }),
);

console.log('');
console.table(stages);
console.log(`test: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && stages.every((s) => s.exit === 0) ? 0 : 1;

// The glow-studio command line as a user runs it: files written, lines printed, exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { GlowEngine } from './engine/engine.js';
import { fixtureDir, testImage } from './engine/test-support.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
// Absolute, because the CLI runs with the temporary folder as its working directory.
const TSX = import.meta.resolve('tsx');
const FIXTURE = fixtureDir;
const dir = mkdtempSync(join(tmpdir(), 'glow-cli-'));
const face = join(dir, 'face.png');
const other = join(dir, 'other.png');

function run(...args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(CLI)}); process.exitCode = await main(${JSON.stringify(args)});`;
  const r = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: dir,
    // The random-weight fixture, whatever model is shipped.
    env: { ...process.env, GLOW_STUDIO_BUNDLE: FIXTURE },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function noiseImage(file: string, size: number, seed: number) {
  let s = seed;
  const data = Buffer.alloc(size * size * 3, 0).map(() => (s = (s * 69069 + 1) % 4294967296) >>> 24);
  await sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
  return data;
}

before(async () => {
  await noiseImage(face, 32, 1);
  await noiseImage(other, 32, 2);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('info names the model, the device that ran and a passing self-test', () => {
  const r = run('info', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.model_id, 'fixture-tiny-32');
  assert.ok(['cpu', 'cuda'].includes(report.provider));
  assert.ok(report.self_test_max_error < 1e-4);
});

test('info --reference compares the bundle with saved PyTorch outputs', async () => {
  // A reference folder as models/evaluate.py writes it; here the outputs are the fixture's own,
  // with the decoded image nudged by 0.25 so the comparison has something to find.
  const engine = await GlowEngine.open(FIXTURE, { device: 'cpu' });
  const ref = join(dir, 'reference');
  try {
    const input = testImage(3 * 32 * 32, 5);
    const eps = await engine.encode(input);
    const decoded = (await engine.decode(eps)).map((v, i) => (i === 7 ? v + 0.25 : v));
    mkdirSync(ref, { recursive: true });
    for (const [name, a] of [['input', input], ['eps', eps], ['decoded', decoded]] as const) {
      writeFileSync(join(ref, `${name}.bin`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    }
    writeFileSync(join(ref, 'meta.json'), JSON.stringify({ input: [1, 3, 32, 32], eps: [1, eps.length], decoded: [1, 3, 32, 32] }));
  } finally {
    await engine.close();
  }
  const r = run('info', '--json', '--reference', ref);
  assert.equal(r.code, 0, r.stderr);
  const check = JSON.parse(r.stdout).onnx_vs_pytorch;
  assert.equal(check.images, 1);
  assert.ok(check.encoderMaxError < 1e-6);
  assert.ok(Math.abs(check.decoderMaxError - 0.25) < 1e-4);
  const missing = run('info', '--reference', join(dir, 'nowhere'));
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /nowhere: not a PyTorch reference folder/);
});

test('info --reference refuses a reference folder written for another model', () => {
  // The fixture takes 3x32x32 images; this folder holds one 3x64x64 image, as face-64's would.
  const ref = join(dir, 'reference-64');
  mkdirSync(ref, { recursive: true });
  for (const name of ['input', 'eps', 'decoded']) writeFileSync(join(ref, `${name}.bin`), Buffer.alloc(3 * 64 * 64 * 4));
  writeFileSync(join(ref, 'meta.json'), JSON.stringify({ input: [1, 3, 64, 64], eps: [1, 3 * 64 * 64], decoded: [1, 3, 64, 64] }));
  const r = run('info', '--reference', ref);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /reference-64: its images are 3x64x64 \(12288 values each\), but model fixture-tiny-32 takes 3x32x32: it was written for another model/);
});

test('sample writes a grid of the requested faces', async () => {
  const out = join(dir, 'grid.png');
  const r = run('sample', '--count', '6', '--columns', '3', '--temperature', '0.7', '--seed', '4', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  // 32 px tiles shown at 4x, 2 px gaps.
  assert.equal(meta.width, 3 * 128 + 4 * 2);
  assert.equal(meta.height, 2 * 128 + 3 * 2);
  assert.match(r.stderr, /sampling \[#+\] 6\/6 100%/);
});

test('roundtrip reconstructs an image exactly', () => {
  const r = run('roundtrip', face);
  assert.equal(r.code, 0, r.stderr);
  const m = /round-trip max error (\S+) \(model units\), (\d+) \(8-bit pixel levels\)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) < 1e-4);
  assert.equal(m[2], '0');
});

test('encode then decode gives back the same pixels', async () => {
  const eps = join(dir, 'face.eps.bin');
  const back = join(dir, 'back.png');
  assert.equal(run('encode', face, '--out', eps).code, 0);
  assert.equal(readFileSync(eps).length, 3072 * 4);
  const r = run('decode', eps, '--out', back);
  assert.equal(r.code, 0, r.stderr);
  const [a, b] = await Promise.all([face, back].map((f) => sharp(f).raw().toBuffer()));
  assert.deepEqual(b, a);
});

test('mix writes a strip with one face per step', async () => {
  const out = join(dir, 'strip.png');
  const r = run('mix', face, other, '--steps', '5', '--weights', '0,1,1', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await sharp(out).metadata()).width, 5 * 128 + 6 * 2);
});

for (const [what, args, code, message] of [
  ['an unknown flag', ['sample', '--bogus'], 2, /Unknown option '--bogus'/],
  ['a bad number', ['sample', '--count', 'lots', '--out', 'x.png'], 2, /--count must be a whole number from 1 to 1024, got 'lots'/],
  ['an unknown command', ['paint'], 2, /unknown command 'paint'/],
  ['a missing file', ['roundtrip', 'nowhere.png'], 3, /nowhere\.png: file not found/],
  ['a text file posing as an image', ['roundtrip', '/etc/hostname'], 3, /\/etc\/hostname: not an image/],
  ['a latent of the wrong size', ['decode', '/etc/hostname', '--out', 'x.png'], 3, /holds \d+ bytes; a latent for this model is 3072 float32 values/],
  ['a folder that is not a bundle', ['info', '/tmp'], 4, /model bundle: \/tmp\/manifest.json: not found/],
  ['a bad device', ['info', '--device', 'tpu'], 2, /--device must be one of auto, cuda, cpu, got 'tpu'/],
  ['align into a file', ['align', '.', '--out', '/etc/hostname'], 2, /--out \/etc\/hostname: \/etc\/hostname is a file \(or lies under one\), not a folder/],
] as const) {
  test(`${what} gives one clear line and exit code ${code}`, () => {
    const r = run(...args);
    assert.equal(r.code, code, r.stderr);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('glow-studio:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('--device cuda on a machine without CUDA exits 5 with what to do', (t) => {
  const r = run('info', '--device', 'cuda');
  if (r.code === 0) return t.skip('CUDA is available here');
  assert.equal(r.code, 5);
  assert.match(r.stderr, /CUDA execution provider unavailable: .*choose the cpu device/);
});

test('the decoded image file is never the input file', () => {
  writeFileSync(join(dir, 'keep.bin'), Buffer.alloc(3));
  assert.equal(run('decode', join(dir, 'keep.bin'), '--out', join(dir, 'x.png')).code, 3);
  assert.equal(readFileSync(join(dir, 'keep.bin')).length, 3);
});

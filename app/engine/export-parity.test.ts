// PyTorch and the exported ONNX graphs, as the studio runs them, agree; and the committed
// fixture bundle is exactly what models/make_fixture.py builds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findPython } from '../../scripts/python.mjs';
import { packageRoot } from './default-bundle.js';
import { GlowEngine } from './engine.js';
import { checkAgainstReference, readReference } from './reference-check.js';
import { fixtureDir, maxAbsDiff } from './test-support.js';

const work = mkdtempSync(join(tmpdir(), 'glow-parity-'));
const rebuilt = join(work, 'bundle');
const reference = join(work, 'reference');

before(() => {
  const python = findPython();
  assert.ok(python, 'no Python with torch and onnx (npm test installs them; see README)');
  const script = join(packageRoot(), 'models', 'make_fixture.py');
  const r = spawnSync(python, [script, '--out', rebuilt, '--reference', reference], { encoding: 'utf8' });
  assert.equal(r.status, 0, `make_fixture.py failed:\n${r.stderr}`);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('onnxruntime (from Node) and PyTorch agree to 1e-4 on encode (eps and bits/dim) and decode', async () => {
  const engine = await GlowEngine.open(rebuilt, { device: 'cpu' });
  try {
    const check = await checkAgainstReference(engine, await readReference(reference));
    assert.ok(check.images >= 3);
    assert.ok(check.encoderMaxError < 1e-4, `encoder differs by ${check.encoderMaxError}`);
    assert.ok(check.decoderMaxError < 1e-4, `decoder differs by ${check.decoderMaxError}`);
    assert.ok(engine.measuresDensity);
    assert.ok(check.densityMaxError !== undefined && check.densityMaxError < 1e-4, `bits/dim differs by ${check.densityMaxError}`);
  } finally {
    await engine.close();
  }
});

test('the committed fixture bundle matches a fresh rebuild', async () => {
  const committed = JSON.parse(readFileSync(join(fixtureDir, 'manifest.json'), 'utf8'));
  const fresh = JSON.parse(readFileSync(join(rebuilt, 'manifest.json'), 'utf8'));
  const strip = (m: Record<string, unknown>) => ({ ...m, files: undefined, exported_with: undefined });
  assert.deepEqual(strip(fresh), strip(committed));
  if (fresh.exported_with.torch === committed.exported_with.torch) {
    // Same exporter: byte-identical graphs.
    assert.deepEqual(fresh.files, committed.files);
  }
  // Any exporter: the same function.
  const { input } = await readReference(reference);
  const size = input.length / 3;
  const [a, b] = await Promise.all([GlowEngine.open(fixtureDir, { device: 'cpu' }), GlowEngine.open(rebuilt, { device: 'cpu' })]);
  try {
    const x = input.slice(0, size);
    assert.ok(maxAbsDiff(await a.encode(x), await b.encode(x)) < 1e-6);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

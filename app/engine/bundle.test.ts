import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BundleError, loadBundle } from './bundle.js';
import { GlowEngine } from './engine.js';
import { fixtureCopy, fixtureDir } from './test-support.js';

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void) {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8'));
  edit(m);
  writeFileSync(path, JSON.stringify(m));
}

async function rejectsNaming(promise: Promise<unknown>, file: string, problem: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BundleError, `expected a BundleError, got ${err}`);
    assert.ok(err.file.endsWith(file), `error names ${err.file}, expected ${file}`);
    assert.match(err.message, problem);
    return true;
  });
}

test('the committed fixture bundle loads and is internally consistent', async () => {
  const bundle = await loadBundle(fixtureDir);
  assert.equal(bundle.manifest.image_size, 32);
  assert.equal(bundle.manifest.eps_size, 3 * 32 * 32);
  assert.deepEqual(bundle.manifest.levels.map((l) => l.shape), [[6, 16, 16], [12, 8, 8], [48, 4, 4]]);
});

test('a folder without a manifest is named in the error', async () => {
  await rejectsNaming(loadBundle('/nonexistent/bundle'), 'manifest.json', /not found/);
});

test('a missing model file is named in the error', async () => {
  const dir = fixtureCopy();
  rmSync(join(dir, 'decoder.onnx'));
  await rejectsNaming(loadBundle(dir), 'decoder.onnx', /missing/);
  rmSync(dir, { recursive: true });
});

test('a changed model file fails its hash check', async () => {
  const dir = fixtureCopy();
  const path = join(dir, 'encoder.onnx');
  const bytes = readFileSync(path);
  const at = bytes.length - 10;
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
  await rejectsNaming(loadBundle(dir), 'encoder.onnx', /sha256 is [0-9a-f]{64}, manifest.json says/);
  rmSync(dir, { recursive: true });
});

test('an unsupported format version is refused', async () => {
  const dir = fixtureCopy();
  editManifest(dir, (m) => (m.format_version = 99));
  await rejectsNaming(loadBundle(dir), 'manifest.json', /format_version 99 is not supported/);
  rmSync(dir, { recursive: true });
});

test('invalid JSON and missing fields are reported with the field', async () => {
  const dir = fixtureCopy();
  writeFileSync(join(dir, 'manifest.json'), '{ not json');
  await rejectsNaming(loadBundle(dir), 'manifest.json', /not valid JSON/);
  editManifestFromFixture(dir, (m) => delete m.image_size);
  await rejectsNaming(loadBundle(dir), 'manifest.json', /field 'image_size'/);
  rmSync(dir, { recursive: true });
});

function editManifestFromFixture(dir: string, edit: (m: Record<string, unknown>) => void) {
  writeFileSync(join(dir, 'manifest.json'), readFileSync(join(fixtureDir, 'manifest.json')));
  editManifest(dir, edit);
}

test('a latent layout that does not add up is refused', async () => {
  const dir = fixtureCopy();
  editManifest(dir, (m) => (m.eps_size = 1000));
  await rejectsNaming(loadBundle(dir), 'manifest.json', /eps_size 1000 should be/);
  rmSync(dir, { recursive: true });
});

test('graphs whose shapes do not match the manifest are refused, naming the graph', async () => {
  const dir = fixtureCopy();
  // Swap the two graphs: each file is intact, but the encoder now takes eps.
  editManifest(dir, (m) => {
    const files = m.files as Record<string, unknown>;
    [files.encoder, files.decoder] = [files.decoder, files.encoder];
  });
  await rejectsNaming(GlowEngine.open(dir, { device: 'cpu' }), 'decoder.onnx', /input has shape \[batch, 3072\], manifest implies \[batch, 3, 32, 32\]/);
  rmSync(dir, { recursive: true });
});

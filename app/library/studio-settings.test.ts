// The model and device kept in the library: a launch's own wins, the saved ones come next, and
// saved ones that no longer open give way to the shipped model.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { z } from 'zod';
import { fixtureDir } from '../engine/test-support.js';
import { bundleWithAttributes } from '../jobs/test-bundle.js';
import { Library } from './library.js';
import { openEngineWithSettings, saveSettings } from './studio-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-settings-'));
const library = Library.open(join(dir, 'library.sqlite'));
after(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

const shipped = fixtureDir;
const open = async (launch = {}) => {
  const { engine, settings } = await openEngineWithSettings(library, { shippedBundleDir: shipped, ...launch });
  await engine.close();
  return settings;
};

test('nothing saved: the shipped model on auto; saved: the user\'s model and device; a launch\'s own wins', async () => {
  assert.deepEqual(await open(), { bundleDir: shipped, device: 'auto', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
  const mine = await bundleWithAttributes(join(dir, 'mine'));
  saveSettings(library, { bundleDir: mine, device: 'cpu', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
  assert.deepEqual(await open(), { bundleDir: mine, device: 'cpu', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
  assert.deepEqual(await open({ bundleDir: shipped }), { bundleDir: shipped, device: 'cpu', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
  assert.deepEqual(await open({ device: 'auto' }), { bundleDir: mine, device: 'auto', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
});

test('the shipped model is saved as no choice, so an update of the studio brings its new one', () => {
  saveSettings(library, { bundleDir: shipped, device: 'cpu', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
  assert.deepEqual(library.setting('studio', z.unknown()), { device: 'cpu', lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
});

test('the look for new photos at opening is on unless the user turned it off; the photo order and the small-face look are kept, by name and off at first', async () => {
  saveSettings(library, { bundleDir: shipped, device: 'auto', shippedBundleDir: shipped, lookForNewPhotos: false, photoOrder: 'newest', smallFaces: true });
  assert.equal((await open()).lookForNewPhotos, false);
  assert.equal((await open()).photoOrder, 'newest');
  assert.equal((await open()).smallFaces, true);
  library.saveSetting('studio', { device: 'auto' }); // saved by a studio from before the settings
  assert.equal((await open()).lookForNewPhotos, true);
  assert.equal((await open()).photoOrder, 'name');
  assert.equal((await open()).smallFaces, false);
});

test('a saved model folder that is gone gives way to the shipped model', async () => {
  library.saveSetting('studio', { bundleDir: join(dir, 'moved-away'), device: 'cpu' });
  assert.deepEqual(await open(), { bundleDir: shipped, device: 'cpu', shippedBundleDir: shipped, lookForNewPhotos: true, photoOrder: 'name', smallFaces: false });
  await assert.rejects(open({ bundleDir: join(dir, 'moved-away') }), 'one the launch names is an error, not replaced');
});

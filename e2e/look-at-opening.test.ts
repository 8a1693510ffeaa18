// The studio looks for new photos in the folders imported as it opens: the window tells of the
// photos found, even when the look ended before the window was there.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixtureDir } from '../app/engine/test-support.js';
import { writeTestPhoto, writeTestPhotos } from '../app/jobs/test-photos.js';
import { createStudioService } from '../app/studio/create-studio-service.js';
import { startHost } from '../main/host/loopback-host.js';
import { launchChromium, openStudio } from './support/browser.js';
import { importAndWait, jobEnded } from './support/own-studio.js';
import { ensureRendererBuilt } from './support/renderer-build.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-look-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('photos new in a folder imported before are found at opening, and the window says so', async () => {
  const photos = join(root, 'photos');
  const library = join(root, 'library.sqlite');
  await writeTestPhotos(photos, 1, { width: 480, height: 320, faces: 1, seed: 5 });
  const first = await createStudioService({ bundleDir: fixtureDir, device: 'cpu', library });
  await importAndWait(first, photos);
  await first.close();
  await writeTestPhoto(join(photos, 'new.jpg'), { width: 480, height: 320, faces: 1, seed: 6 }, 0);

  const service = await createStudioService({ bundleDir: fixtureDir, device: 'cpu', library });
  const host = await startHost({ service, staticDir: await ensureRendererBuilt() });
  const browser = await launchChromium();
  try {
    const look = await jobEnded(service, (j) => j.automatic === true);
    assert.deepEqual([look.state, look.newPhotos], ['done', 1]);
    const { page, problems, screenshot } = await openStudio(browser, host.launchUrl, 'look-at-opening-');
    await page.locator('[data-testid=notice]').filter({ hasText: 'Found 1 new or changed photo in your folders.' }).waitFor();
    await page.locator('.library .count').filter({ hasText: '2 photos' }).waitFor();
    await screenshot('notice');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await host.close();
    await service.close();
  }
});

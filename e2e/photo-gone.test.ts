// A photo whose file went while the library listed it (moved in another app, deleted, on a
// drive not mounted): the editor says so and where, and the look for new photos it offers
// finds the file moved and opens it again; a file there that cannot be read says why.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTestPhotos } from '../app/jobs/test-photos.js';
import { openStudio } from './support/browser.js';
import { importAndWait, openOwnStudio } from './support/own-studio.js';
import { decodePng } from './support/pixels.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-gone-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a photo whose file was moved away: the editor says where it was, and "Look for new photos" finds it and shows it; a file that cannot be read says why', async () => {
  const photos = join(root, 'photos');
  const [first, second] = await writeTestPhotos(photos, 2, { width: 480, height: 320, faces: 1, seed: 5 });
  const { service, launchUrl, browser, close } = await openOwnStudio(root);
  try {
    await importAndWait(service, photos);
    const { page, problems, screenshot } = await openStudio(browser, launchUrl, 'photo-gone-');
    await page.locator('.library .count').filter({ hasText: '2 photos' }).waitFor();
    // Moved into a subfolder by another app, with the studio open.
    mkdirSync(join(photos, 'sorted'));
    const moved = join(photos, 'sorted', 'moved.jpg');
    renameSync(second!, moved);
    await page.locator('[data-testid=photo-tile]', { hasText: 'photo-001.jpg' }).locator('button.open').click();
    const gone = page.locator('[data-testid=photo-gone]');
    await gone.waitFor();
    assert.match((await gone.textContent()) ?? '', new RegExp(`photo-001\\.jpg: its file is not there: ${second!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
    await screenshot('editor');
    await gone.getByRole('button', { name: 'Look for new photos' }).click();
    await page.locator('.editor .tools .title', { hasText: 'moved.jpg' }).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=notice]').filter({ hasText: 'Import finished: no new photos, 1 photo found moved or renamed, 1 photo already in the library.' }).waitFor();
    assert.equal(await gone.count(), 0, 'found: the message goes');
    await page.locator('.right .face[aria-selected=true]').waitFor();
    assert.deepEqual(problems, []);
    // A file there that cannot be read now (broken in another app): the reason the studio gives.
    writeFileSync(first!, 'not a photo any more\n');
    await page.locator('nav.strip button.shot').first().click();
    await page.locator('.editor .tools .title', { hasText: 'photo-000.jpg' }).waitFor();
    await gone.filter({ hasText: /photo-000\.jpg: .*photo-000\.jpg: not an image .* Check that the file opens in another app/ }).waitFor();
    problems.length = 0; // (the page logged the media request's 500, which the message reports)
    await page.locator('nav.strip button.shot').nth(1).click();
    await page.locator('.editor .tools .title', { hasText: 'moved.jpg' }).waitFor();
    // The photo is on the canvas: not one flat colour.
    let spread = 0;
    for (let i = 0; i < 50 && spread < 20; i++) {
      const { data } = await decodePng(await page.locator('[data-testid=editor-canvas]').screenshot());
      const mean = data.reduce((a, v) => a + v, 0) / data.length;
      spread = Math.sqrt(data.reduce((a, v) => a + (v - mean) ** 2, 0) / data.length);
      if (spread < 20) await page.waitForTimeout(100);
    }
    assert.ok(spread >= 20, `the canvas shows the photo (spread of its values ${spread.toFixed(1)})`);
    await screenshot('found');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

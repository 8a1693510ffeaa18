// A group photo whose back rows the import passed over as too small: "Find smaller faces" in
// the editor adds them, and the faces it had stay (library/smaller-faces.test.ts: with their
// tags and edits); turning the small-face setting on looks again in every photo of the library.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTestPhotos } from '../app/jobs/test-photos.js';
import { openStudio } from './support/browser.js';
import { importAndWait, openOwnStudio } from './support/own-studio.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-smaller-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('"Find smaller faces" adds the faces of a group photo the import passed over; the faces it had stay', async () => {
  const photos = join(root, 'photos');
  // 20 faces of 60 to 90 px in a 12 MP photo (the import looks down to 120 px).
  await writeTestPhotos(photos, 1, { width: 4000, height: 3000, faces: 20, seed: 3 });
  const { service, launchUrl, browser, close } = await openOwnStudio(root);
  try {
    await importAndWait(service, photos);
    const [photo] = await service.listPhotos({});
    const found = photo!.faces;
    assert.ok(found >= 1 && found < 20, `the import found ${found} of 20`);
    const had = (await service.getPhoto({ photoId: photo!.id })).faceList.map((f) => f.id);
    const { page, problems, screenshot } = await openStudio(browser, launchUrl, 'smaller-faces-');
    await page.locator('[data-testid=photo-tile] button.open').first().click();
    const faces = page.getByRole('listbox', { name: 'Faces in this photo' }).getByRole('option');
    await page.locator('.right .face[aria-selected=true]').waitFor();
    assert.equal(await faces.count(), found);
    await page.getByRole('button', { name: 'Find smaller faces' }).click();
    await page.locator('[data-testid=notice]').filter({ hasText: `Found ${20 - found} more faces in this photo.` }).waitFor({ timeout: 60_000 });
    await page.locator('.right .face[aria-selected=true]').waitFor();
    assert.equal(await faces.count(), 20);
    await screenshot('editor');
    const now = (await service.getPhoto({ photoId: photo!.id })).faceList.map((f) => f.id);
    assert.ok(had.every((id) => now.includes(id)), 'the faces it had keep their ids (so their tags and edits)');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('turning "Look for small faces when importing" on offers to look again in the photos already in the library', async () => {
  const own = join(root, 'library-wide');
  const photos = join(own, 'photos');
  await writeTestPhotos(photos, 1, { width: 4000, height: 3000, faces: 20, seed: 3 });
  const { service, launchUrl, browser, close } = await openOwnStudio(own);
  try {
    await importAndWait(service, photos);
    const [photo] = await service.listPhotos({});
    const found = photo!.faces;
    const { page, problems, screenshot } = await openStudio(browser, launchUrl, 'smaller-faces-');
    await page.locator('[data-testid=device-badge]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('checkbox', { name: /Look for small faces when importing/ }).setChecked(true);
    const again = dialog.getByRole('checkbox', { name: /Look again in the 1 photo already in the library/ });
    assert.equal(await again.isChecked(), true, 'offered, and ticked');
    await screenshot('settings-look-again');
    await dialog.locator('[data-testid=settings-apply]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('[data-testid=notice]').filter({ hasText: `Looking for smaller faces finished: ${20 - found} more faces in 1 photo.` }).waitFor({ timeout: 60_000 });
    assert.equal((await service.listPhotos({}))[0]!.faces, 20);
    assert.equal((await service.getSettings({})).smallFaces, true);
    // On already: nothing more to offer.
    await page.locator('[data-testid=device-badge]').click();
    await page.locator('dialog[open]').getByRole('checkbox', { name: /Look for small faces when importing/ }).waitFor();
    assert.equal(await page.locator('[data-testid=settings-look-again]').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

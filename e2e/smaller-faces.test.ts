// A group photo whose back rows the import passed over as too small: "Find smaller faces" in
// the editor adds them, and the faces it had stay (library/smaller-faces.test.ts: with their
// tags and edits).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTestPhotos } from '../app/jobs/test-photos.js';
import { openStudio } from './support/browser.js';
import { jobEnded, openOwnStudio } from './support/own-studio.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-smaller-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('"Find smaller faces" adds the faces of a group photo the import passed over; the faces it had stay', async () => {
  const photos = join(root, 'photos');
  // 20 faces of 60 to 90 px in a 12 MP photo (the import looks down to 120 px).
  await writeTestPhotos(photos, 1, { width: 4000, height: 3000, faces: 20, seed: 3 });
  const { service, launchUrl, browser, close } = await openOwnStudio(root);
  try {
    const imported = await service.importFolder({ path: photos });
    await jobEnded(service, (j) => j.id === imported.id);
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

// Taking a false face out of a photo in the editor: a face with nothing of the user's on it goes
// at once; one with tags is asked about first; "Bring back" finds a removed face again, one at
// a time (library/remove-face.test.ts: edits, histories, mixes, turns).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTestPhotos } from '../app/jobs/test-photos.js';
import { openStudio } from './support/browser.js';
import { importAndWait, openOwnStudio } from './support/own-studio.js';
import { decodePng } from './support/pixels.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-remove-face-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('"Remove face" takes a face out of the photo, asking first where it has tags; "Bring back" finds each again', async () => {
  const photos = join(root, 'photos');
  await writeTestPhotos(photos, 1, { width: 900, height: 400, faces: 3, seed: 5 });
  const { service, launchUrl, browser, close } = await openOwnStudio(root);
  try {
    await importAndWait(service, photos);
    const [photo] = await service.listPhotos({});
    const detail = await service.getPhoto({ photoId: photo!.id });
    assert.equal(detail.faceList.length, 3);
    const [first, second, third] = detail.faceList;
    await service.tagFace({ faceId: second!.id, attribute: 'Smiling', value: true });

    const { page, problems, screenshot } = await openStudio(browser, launchUrl, 'remove-face-');
    await page.locator('[data-testid=photo-tile] button.open').first().click();
    const faces = page.getByRole('listbox', { name: 'Faces in this photo' }).getByRole('option');
    await page.locator(`.right .face[aria-selected=true][data-face-id="${first!.id}"]`).waitFor();

    // Face 1 has no edit and no tags: it goes at once.
    await page.getByRole('button', { name: 'Remove face 1' }).click();
    await page.locator('[data-testid=notice]').filter({ hasText: 'Removed face 1 from this photo.' }).waitFor();
    await page.locator(`.right .face[data-face-id="${first!.id}"]`).waitFor({ state: 'detached' });
    assert.equal(await faces.count(), 2);

    // The face that was face 2 is face 1 now, and has a tag: the dialog says so first.
    await page.locator(`.right .face[data-face-id="${second!.id}"]`).click();
    await page.getByRole('button', { name: 'Remove face 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove face 1' });
    await dialog.getByTestId('remove-face-loses').filter({ hasText: 'with its 1 tag' }).waitFor();
    await screenshot('dialog');
    await dialog.getByTestId('remove-face-confirm').click();
    await page.locator('[data-testid=notice]').filter({ hasText: 'Removed face 1 from this photo, with 1 tag.' }).waitFor();
    await page.locator(`.right .face[data-face-id="${second!.id}"]`).waitFor({ state: 'detached' });
    assert.deepEqual((await service.getPhoto({ photoId: photo!.id })).faceList.map((f) => f.id), [third!.id]);
    assert.deepEqual(await service.listTags({}), []);
    await page.locator('.tag[data-tag=Smiling]').waitFor({ state: 'detached' }); // the tag counts follow
    await page.getByText('1 photo · 1 face').waitFor();
    await screenshot('removed');

    // Pointing at a removed face's "Bring back" outlines its place on the canvas, in the
    // theme's red (#ff6b6b), until the pointer leaves.
    const canvas = page.locator('[data-testid=editor-canvas]');
    const redPixels = async () => {
      const { data } = await decodePng(await canvas.screenshot());
      let n = 0;
      for (let i = 0; i < data.length; i += 3) if (data[i]! > 225 && Math.abs(data[i + 1]! - 107) < 30 && Math.abs(data[i + 2]! - 107) < 30) n++;
      return n;
    };
    const unpointed = await redPixels();
    await page.getByRole('button', { name: 'Bring back removed face 1' }).hover();
    await page.waitForTimeout(200);
    const pointed = await redPixels();
    await screenshot('pointed');
    assert.ok(pointed > unpointed + 100, `the removed face's place is outlined: ${pointed} red pixels, ${unpointed} before`);
    await page.mouse.move(0, 0);
    await page.waitForTimeout(200);
    assert.ok((await redPixels()) < unpointed + 20, 'the outline goes with the pointer');

    // "Find smaller faces" passes over them; each removed face can be brought back on its own
    // (or both at once), as a new face.
    await page.getByRole('button', { name: 'Find smaller faces' }).click();
    await page.locator('[data-testid=notice]').filter({ hasText: 'No more faces were found in this photo.' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Bring back 2 removed faces' }).waitFor();
    await page.getByRole('button', { name: 'Bring back removed face 2' }).click(); // the second removed: the tagged one
    await page.locator('[data-testid=notice]').filter({ hasText: '1 face back in this photo.' }).waitFor({ timeout: 60_000 });
    await page.locator('.right .face[aria-selected=true]').waitFor();
    assert.equal(await faces.count(), 2);
    const back = (await service.getPhoto({ photoId: photo!.id })).faceList.find((f) => f.id !== third!.id)!;
    assert.ok(Math.abs(back.box.x - second!.box.x) < 4, `the face back is the second one removed, at x ${back.box.x}; it was at ${second!.box.x}`);
    assert.equal(await page.getByRole('button', { name: /Bring back \d removed faces/ }).count(), 0);
    await screenshot('one-back');
    await page.getByRole('button', { name: 'Bring back removed face 1' }).click();
    await page.getByRole('group', { name: 'Removed faces' }).waitFor({ state: 'detached', timeout: 60_000 });
    await page.locator('.right .face').nth(2).waitFor();
    assert.equal(await faces.count(), 3);
    assert.equal(await page.getByRole('button', { name: /Bring back/ }).count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

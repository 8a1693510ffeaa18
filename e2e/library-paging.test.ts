// A library bigger than one page of the grid: the grid loads the rest as it scrolls, and
// Export with nothing selected finds an edited photo the grid has not loaded.
import assert from 'node:assert/strict';
import { linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import type { JobInfo } from '../app/api/contract.js';
import { fixtureDir } from '../app/engine/test-support.js';
import { writeTestPhotos } from '../app/jobs/test-photos.js';
import { nameKey } from '../app/library/photo-order.js';
import { createStudioService } from '../app/studio/create-studio-service.js';
import { startHost } from '../main/host/loopback-host.js';
import { launchChromium, openStudio } from './support/browser.js';
import { ensureRendererBuilt } from './support/renderer-build.js';

const root = mkdtempSync(join(tmpdir(), 'glow-e2e-paging-'));
const COPIES = 1100;
let browser: Browser | undefined;
let close: (() => Promise<void>) | undefined;
let url = '';

before(async () => {
  const photos = join(root, 'photos');
  const [original] = await writeTestPhotos(photos, 1, { width: 480, height: 320, faces: 1, seed: 5 });
  const library = join(root, 'library.sqlite');
  // One real import, for a photo row with its thumbnail and face...
  const importer = await createStudioService({ bundleDir: fixtureDir, device: 'cpu', library });
  let job: JobInfo = await importer.importFolder({ path: photos });
  while (job.state === 'queued' || job.state === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    job = (await importer.listJobs({})).find((j) => j.id === job.id)!;
  }
  // The copies below are hard links the library did not import: a look for new photos at
  // opening would read them.
  await importer.updateSettings({ lookForNewPhotos: false });
  await importer.close();
  assert.deepEqual([job.state, job.done], ['done', 1], JSON.stringify(job.errors));
  // ... then copies of its row for links to its file under other names (importing 1,100 photos
  // would take minutes), the last one edited: it sorts after the grid's first two pages.
  const db = new Database(library);
  const columns = (table: string, skip: string[]) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).filter((c) => !skip.includes(c)).join(', ');
  const photoColumns = columns('photos', ['id', 'path', 'name_key']);
  const faceColumns = columns('faces', ['id', 'photo_id']);
  const copyPhoto = db.prepare(`INSERT INTO photos (path, name_key, ${photoColumns}) SELECT ?, ?, ${photoColumns} FROM photos WHERE id = 1`);
  const copyFace = db.prepare(`INSERT INTO faces (photo_id, ${faceColumns}) SELECT ?, ${faceColumns} FROM faces WHERE photo_id = 1`);
  db.transaction(() => {
    for (let i = 0; i < COPIES; i++) {
      const path = join(photos, `copy-${String(i).padStart(4, '0')}.jpg`);
      linkSync(original!, path);
      const photoId = Number(copyPhoto.run(path, nameKey(path)).lastInsertRowid);
      if (i === COPIES - 1) {
        const faceId = Number(copyFace.run(photoId).lastInsertRowid);
        db.prepare('INSERT INTO edits (photo_id, face_id, recipe) VALUES (?, ?, ?)').run(photoId, faceId, JSON.stringify({ sliders: { Smiling: 0.5 } }));
      }
    }
  })();
  db.close();
  const service = await createStudioService({ bundleDir: fixtureDir, device: 'cpu', library });
  const host = await startHost({ service, staticDir: await ensureRendererBuilt() });
  url = host.launchUrl;
  close = async () => {
    await host.close();
    await service.close();
  };
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await close?.();
  rmSync(root, { recursive: true, force: true });
});

test('the grid lists a page of photos and the next ones as its end scrolls into view; back from the editor it is where it was', async () => {
  const { page, problems } = await openStudio(browser!, url, 'paging-');
  const tiles = page.locator('[data-testid=photo-tile]');
  const count = page.locator('.library .count');
  await count.filter({ hasText: '500+ photos' }).waitFor();
  assert.equal(await tiles.count(), 500);
  for (const expected of ['1000+ photos', `${COPIES + 1} photos`]) {
    await page.locator('[data-testid=photo-grid]').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await count.filter({ hasText: expected }).waitFor();
  }
  assert.equal(await tiles.count(), COPIES + 1);
  // A photo far down opened, and the library again: the grid is where it was, at that photo.
  const far = page.locator('[data-testid=photo-tile]', { hasText: 'copy-0900.jpg' });
  await far.scrollIntoViewIfNeeded();
  await far.locator('button.open').click();
  await page.locator('.editor .tools .title', { hasText: 'copy-0900.jpg' }).waitFor();
  await page.getByRole('button', { name: 'Back to the library' }).click();
  await page.waitForFunction('document.activeElement?.getAttribute("aria-label")?.startsWith("Open copy-0900.jpg")');
  const [grid, tile] = await Promise.all([page.locator('[data-testid=photo-grid]').boundingBox(), far.boundingBox()]);
  assert.ok(grid && tile && tile.y >= grid.y && tile.y + tile.height <= grid.y + grid.height, `the tile is in view: ${JSON.stringify({ grid, tile })}`);
  assert.deepEqual(problems, []);
});

test('Export with nothing selected takes the edited photos the grid has not loaded', async () => {
  const { page, problems } = await openStudio(browser!, url, 'paging-');
  await page.locator('.library .count').filter({ hasText: '500+ photos' }).waitFor();
  await page.getByRole('button', { name: 'Export…', exact: true }).click();
  await page.getByRole('heading', { name: 'Export 1 photo', exact: true }).waitFor();
  assert.deepEqual(problems, []);
});

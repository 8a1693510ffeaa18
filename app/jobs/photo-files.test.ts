import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { listPhotos } from './photo-files.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-photo-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('links to photos and to folders are followed, a link back up does not loop, a broken link is reported', async () => {
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(join(elsewhere, 'trip'), { recursive: true });
  writeFileSync(join(elsewhere, 'portrait.jpg'), 'x');
  writeFileSync(join(elsewhere, 'trip', 'beach.png'), 'x');
  const folder = join(dir, 'photos');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  writeFileSync(join(folder, 'a.jpg'), 'x');
  writeFileSync(join(folder, 'notes.txt'), 'x');
  symlinkSync(join(elsewhere, 'portrait.jpg'), join(folder, 'favourite.jpg'));
  symlinkSync(join(elsewhere, 'trip'), join(folder, 'trip'));
  symlinkSync(folder, join(folder, 'sub', 'back-up')); // a loop
  symlinkSync(join(elsewhere, 'gone.jpg'), join(folder, 'gone.jpg'));
  symlinkSync(join(elsewhere, 'gone.txt'), join(folder, 'gone.txt')); // not a photo: not reported
  const listing = await listPhotos(folder);
  assert.deepEqual(listing.files.map((f) => relative(folder, f)), ['a.jpg', 'favourite.jpg', join('trip', 'beach.png')]);
  assert.deepEqual(listing.unreadable, [{ path: join(folder, 'gone.jpg'), error: `${join(folder, 'gone.jpg')}: a link to a file that is not there` }]);
});

test('listing a folder lets the event loop run between its subfolders (the studio goes on answering)', async () => {
  const folder = join(dir, 'many');
  for (let i = 0; i < 50; i++) {
    mkdirSync(join(folder, `day ${i}`), { recursive: true });
    for (let j = 0; j < 4; j++) writeFileSync(join(folder, `day ${i}`, `${j}.jpg`), 'x');
  }
  let turns = 0;
  let running = true;
  const spin = () => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  const listing = await listPhotos(folder);
  running = false;
  assert.equal(listing.files.length, 200);
  assert.ok(turns >= 50, `the event loop turned ${turns} times while 50 folders were listed`);
});

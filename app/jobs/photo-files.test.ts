import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { listPhotos } from './photo-files.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-photo-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('links to photos and to folders are followed, a link back up does not loop, a broken link is reported', () => {
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
  const listing = listPhotos(folder);
  assert.deepEqual(listing.files.map((f) => relative(folder, f)), ['a.jpg', 'favourite.jpg', join('trip', 'beach.png')]);
  assert.deepEqual(listing.unreadable, [{ path: join(folder, 'gone.jpg'), error: `${join(folder, 'gone.jpg')}: a link to a file that is not there` }]);
});

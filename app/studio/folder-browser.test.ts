// The folder chooser's listing: subfolders in file-manager order, links to folders followed,
// dot folders left out, the photos in the folder itself counted, and a clear error for a
// folder that cannot be listed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { browseFolder, FolderBrowseError, makeFolder } from './folder-browser.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-browse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('lists the subfolders in file-manager order, with links to folders, without dot folders, and counts the photos', async () => {
  for (const name of ['b', 'a10', 'a2', '.cache', 'Party 2024']) mkdirSync(join(dir, name));
  symlinkSync(join(dir, 'b'), join(dir, 'link to b'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'broken link'));
  for (const name of ['one.JPG', 'two.heic', 'notes.txt', '.hidden.jpg']) writeFileSync(join(dir, name), 'x');
  writeFileSync(join(dir, 'a2', 'deeper.jpg'), 'x');

  const listing = await browseFolder(dir);
  assert.equal(listing.path, dir);
  assert.equal(listing.parent, dirname(dir));
  assert.equal(listing.home, homedir());
  assert.deepEqual(
    listing.folders.map((f) => f.name),
    ['a2', 'a10', 'b', 'link to b', 'Party 2024'],
  );
  assert.deepEqual(listing.folders[0], { name: 'a2', path: join(dir, 'a2') });
  assert.equal(listing.photos, 2, 'one.JPG and two.heic: not the text file, the dot file or the subfolder’s photo');
});

test('starts at the home folder, and the root has no parent', async () => {
  assert.equal((await browseFolder()).path, homedir());
  assert.equal((await browseFolder('/')).parent, undefined);
});

test('a folder that is not there, or a file, is an error that names it', async () => {
  const missing = join(dir, 'not-here');
  await assert.rejects(browseFolder(missing), (err: unknown) => err instanceof FolderBrowseError && err.missing && err.message === `${missing}: cannot list the folder (no such folder)`);
  const file = join(dir, 'one.JPG');
  await assert.rejects(browseFolder(file), (err: unknown) => err instanceof FolderBrowseError && err.message === `${file}: cannot list the folder (not a folder)`);
});

test('"New folder": an empty folder named in a folder; a name with a slash or a dot first, one taken, or a parent not there is an error that names it', async () => {
  const parent = join(dir, 'outputs');
  mkdirSync(parent);
  assert.equal(await makeFolder(parent, ' Party edits '), join(parent, 'Party edits'));
  assert.deepEqual((await browseFolder(parent)).folders.map((f) => f.name), ['Party edits']);
  for (const name of ['a/b', '..', '.hidden', '  ']) {
    await assert.rejects(makeFolder(parent, name), (err: unknown) => err instanceof FolderBrowseError && !err.missing && err.message.includes('cannot name a new folder'), name);
  }
  await assert.rejects(makeFolder(parent, 'Party edits'), (err: unknown) => err instanceof FolderBrowseError && err.message === `${join(parent, 'Party edits')}: cannot make the folder (it already exists)`);
  await assert.rejects(makeFolder(join(dir, 'gone'), 'x'), (err: unknown) => err instanceof FolderBrowseError && err.missing && err.message.includes(`no folder ${join(dir, 'gone')}`));
});

// Where edited copies may go: never a folder of photos (its mark would hide them from imports,
// and copies among them would come back as new photos); an output folder used before is fine.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Library } from '../library/library.js';
import { checkOutputFolder, markOutputFolder, OutputFolderError } from './output-folder.js';
import { OUTPUT_MARKER } from './photo-files.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-output-folder-'));
const library = Library.open(join(dir, 'library.sqlite'));
after(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

const refused = (out: string, sources: string[], why: RegExp) =>
  assert.throws(() => checkOutputFolder(out, sources, library), (e: Error) => e instanceof OutputFolderError && why.test(e.message) && e.message.includes(out));

test('not the folder of the photos being edited, or one above it; a new subfolder of it is fine', () => {
  const party = join(dir, 'party');
  refused(party, [party], /holds the photos to edit/);
  refused(dir, [party], /holds the photos to edit/);
  checkOutputFolder(join(party, 'edited'), [party], library);
  checkOutputFolder(join(dir, 'party-edited'), [party], library); // a name that starts the same is another folder
});

test('not a folder that holds photos of the library, or photo files, unless it is an output folder already', async () => {
  const other = join(dir, 'other-party');
  library.addPhoto({ path: join(other, 'day 2', 'a.jpg'), hash: 'h', size: 1, mtimeMs: 1, width: 1, height: 1, orientation: 1 });
  refused(other, [], /holds photos of the library \(.*a\.jpg\)/);
  checkOutputFolder(join(dir, 'other'), [], library); // a prefix of its name is not it

  const loose = join(dir, 'loose');
  mkdirSync(loose);
  writeFileSync(join(loose, 'notes.txt'), 'x');
  checkOutputFolder(loose, [], library);
  writeFileSync(join(loose, 'IMG_1.HEIC'), 'x');
  refused(loose, [], /already holds photos \(IMG_1\.HEIC\)/);

  await markOutputFolder(loose);
  assert.ok(existsSync(join(loose, OUTPUT_MARKER)));
  checkOutputFolder(loose, [], library); // copies written by an earlier batch or export
  await markOutputFolder(loose); // marking again is fine
});

test('not under a file, or in a folder that cannot be written', () => {
  writeFileSync(join(dir, 'a-file'), 'x');
  refused(join(dir, 'a-file', 'out'), [], /a-file is a file/);
});

// The folder a batch or an export writes edited copies into. It is marked, so that imports and
// batches of a folder above it leave the copies out (photo-files.ts); and so it must not be a
// folder of photos itself, or the mark would hide those photos from imports too, and copies
// written among them would come back as new photos.
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, join, sep } from 'node:path';
import type { Library } from '../library/library.js';
import { isInFolder, OUTPUT_MARKER, PHOTO_EXTENSIONS } from './photo-files.js';

/** An output folder that cannot take edited copies, with why and what to choose instead. */
export class OutputFolderError extends Error {}

/**
 * Throws an OutputFolderError unless `out` (absolute) can take edited copies: it is not, and
 * is not above, one of `sources` (the folders of the photos being edited); unless it is already
 * an output folder, it holds none of the library's photos and no photo files of its own; and
 * it can be made and written.
 */
export function checkOutputFolder(out: string, sources: readonly string[], library: Library): void {
  const choose = 'choose a folder outside it, or a new subfolder of it';
  const source = sources.find((s) => isInFolder(s, out));
  if (source !== undefined) throw new OutputFolderError(`the output folder ${out} holds the photos to edit (${source}); ${choose}`);
  if (!existsSync(join(out, OUTPUT_MARKER))) {
    const imported = library.photosUnder(out + sep)[0];
    if (imported) throw new OutputFolderError(`the output folder ${out} holds photos of the library (${imported.path}); ${choose}`);
    const loose = existsSync(out) && statSync(out).isDirectory() ? readdirSync(out).find((f) => !f.startsWith('.') && PHOTO_EXTENSIONS.has(extname(f).toLowerCase())) : undefined;
    if (loose) throw new OutputFolderError(`the output folder ${out} already holds photos (${loose}); choose an empty folder or a new one, so that the edited copies stay apart`);
  }
  let existing = out;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) throw new OutputFolderError(`${existing} is a file, so the output folder ${out} cannot be made there`);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new OutputFolderError(`${existing} cannot be written to: choose an output folder you can write to`);
  }
}

/** Makes `out` and marks it as an output folder (once; the mark is never rewritten). */
export async function markOutputFolder(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(join(out, OUTPUT_MARKER), 'Edited copies written by Glow Studio. Its imports and batches leave this folder out.\n', { flag: 'wx' }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    },
  );
}

/** An export's output folder, checked against the folders of the photos it exports, then made
 * and marked (the studio's export and `glow-studio export`). */
export async function prepareExportFolder(out: string, photoPaths: readonly string[], library: Library): Promise<void> {
  checkOutputFolder(out, [...new Set(photoPaths.map((p) => dirname(p)))], library);
  await markOutputFolder(out);
}

// Importing a folder into the library, incrementally: a file whose size and mtime match its
// row is skipped without reading it; otherwise it is hashed, and content the library already
// knows under a path that no longer exists is a moved file (its faces, tags and edits move
// with it). New or changed photos get a thumbnail, their faces and the faces' latents; the
// faces of the others are encoded again where another model encoded them (face-latents.ts).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import sharp from 'sharp';
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import { minFaceFor } from '../faces/face-size.js';
import { decodeImage, type DecodedImage } from '../imaging/decode.js';
import { dateTaken, type DateTaken } from '../imaging/exif-block.js';
import { detectScaled } from '../jobs/big-photo.js';
import { defaultConcurrency, eachAtOnce } from '../jobs/concurrency.js';
import { listPhotos, type PhotoListing } from '../jobs/photo-files.js';
import { encodeFaces, encodeStaleFaces } from './face-latents.js';
import type { Library, NewFace, PhotoRecord } from './library.js';

export interface ImportSummary {
  scanned: number;
  added: number;
  changed: number;
  moved: number;
  unchanged: number;
  missing: number;
  failed: { file: string; error: string }[];
  faces: number;
  /** Faces of unchanged photos encoded again, for a model other than the one that had. */
  reencoded: number;
}

export interface ImportOptions {
  onProgress?: (done: number, total: number, current: string) => void;
  /** A photo taken in: the faces found in it where it was read and analysed (new to the
   * library, or changed), null where it was known (unchanged, or moved). */
  onPhoto?: (file: string, facesFound: number | null) => void;
  signal?: AbortSignal;
  /** Smallest face, photo px; else the small-face look or the default (faces/face-size.ts). */
  minFaceSize?: number;
  smallFaces?: boolean;
  /** Photos read at once (default: jobs/concurrency.ts). */
  concurrency?: number;
  /** The folder's photos as the caller already listed them (listPhotos), not to walk it twice. */
  listing?: PhotoListing;
}

export function hashFile(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => h.update(chunk))
      .on('end', () => res(h.digest('hex')))
      .on('error', rej);
  });
}

/** A photo's thumbnail, the date it was taken, and its faces (in reading order, the
 * detector's, which the studio numbers them in) with their latents. */
export async function analyseImage(image: DecodedImage, engine: GlowEngine, detector: FaceDetector, sizes: Pick<ImportOptions, 'minFaceSize' | 'smallFaces'> = {}) {
  const thumbnail = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(256, 256, { fit: 'inside' })
    .jpeg({ quality: 80 })
    .toBuffer();
  const found = await detectScaled(detector, image, minFaceFor(image.width, image.height, sizes));
  const encoded = await encodeFaces(image, found, engine);
  const faces: NewFace[] = found.map((f, i) => ({ box: f.box, landmarks: f.landmarks, score: f.score, ...encoded[i]! }));
  const taken = image.metadata.exif && dateTaken(image.metadata.exif);
  return { width: image.width, height: image.height, orientation: image.metadata.orientation, ...(taken ? { taken } : {}), thumbnail, faces };
}

/** The date a known photo was taken (one from before the library kept dates): its header only. */
async function readDateTaken(file: string): Promise<DateTaken | undefined> {
  const { exif } = await sharp(file).metadata().catch(() => ({ exif: undefined }));
  return exif && dateTaken(exif);
}

export async function importFolder(library: Library, folder: string, engine: GlowEngine, detector: FaceDetector, options: ImportOptions = {}): Promise<ImportSummary> {
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: not a folder`);
  const { files, unreadable } = options.listing ?? (await listPhotos(root));
  const modelId = engine.latentKey;
  // A subfolder that cannot be listed, or a broken link, is reported like a file that cannot be read.
  const failed = unreadable.map((u) => ({ file: u.path, error: u.error }));
  const summary: ImportSummary = { scanned: files.length, added: 0, changed: 0, moved: 0, unchanged: 0, missing: 0, failed, faces: 0, reencoded: 0 };
  const seen = new Set(files);
  const stale = library.photosWithFacesNotOf(modelId); // read once: a rescan of unchanged photos stays a stat each
  let done = 0;
  const importOne = async (file: string) => {
    try {
      const st = await stat(file); // (a rescan of unchanged photos is a stat each: it must yield)
      const known = library.photoByPath(file);
      let kept: PhotoRecord | undefined; // a known photo, not analysed again
      let found: number | null = null; // faces, in a photo analysed
      if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && !known.missing) {
        summary.unchanged++;
        kept = known;
      } else {
        const hash = await hashFile(file);
        if (known && known.hash === hash) {
          library.touchPhoto(known.id, st.mtimeMs); // touched, same content
          summary.unchanged++;
          kept = known;
        } else {
          const moved = known ? undefined : library.photosByHash(hash).find((p) => p.path !== file && !existsSync(p.path));
          if (moved) {
            library.movePhoto(moved.id, file, st.size, st.mtimeMs);
            summary.moved++;
            kept = moved;
          } else {
            const { faces, ...photo } = await analyseImage(await decodeImage(file), engine, detector, options);
            const row = { path: file, hash, size: st.size, mtimeMs: st.mtimeMs, ...photo };
            library.transaction(() => {
              const id = known ? (library.replacePhoto(known.id, row), known.id) : library.addPhoto(row);
              library.setFaces(id, modelId, faces);
            });
            summary.faces += faces.length;
            found = faces.length;
            if (known) summary.changed++;
            else summary.added++;
          }
        }
      }
      if (kept && !kept.dateRead) library.setDateTaken(kept.id, await readDateTaken(file));
      if (kept && stale.has(kept.id)) {
        const reencoded = await encodeStaleFaces(library, engine, kept.id); // (not `+= await`: photos run at once)
        summary.reencoded += reencoded;
      }
      options.onPhoto?.(file, found);
    } catch (err) {
      summary.failed.push({ file, error: (err as Error).message });
    }
    done++;
  };
  await eachAtOnce(
    files,
    options.concurrency ?? defaultConcurrency(),
    async (file) => {
      options.onProgress?.(done, files.length, file);
      await importOne(file);
    },
    () => options.signal?.aborted ?? false,
  );
  options.onProgress?.(done, files.length, '');
  // Photos of this folder that are gone (and were not found moved) are kept, marked missing.
  // Not under a folder that could not be listed: its photos may well be there.
  const unlisted = (path: string) => unreadable.some((u) => path.startsWith(u.path + sep));
  for (const p of library.photosUnder(root + sep)) {
    if (!seen.has(p.path) && !p.missing && !unlisted(p.path) && !existsSync(p.path)) {
      library.setMissing(p.id, true);
      summary.missing++;
    }
  }
  return summary;
}

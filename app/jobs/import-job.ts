// An import as a job in the library's job store, whoever runs it (the studio, or
// `glow-studio import`): its photos are the job's items, marked done or failed as the import
// passes them. So a studio sees an import another process runs, with its progress, and
// removing the folder from the library waits for it (JobStore.workingUnder). An item's faces
// are those found in the photo where it was read and analysed (new or changed), null where the
// library knew it. Two kinds: the import of a folder the user chose, which the library keeps
// up with from then on, and a rescan ("Look for new photos") of the folders it keeps up with
// (library/import-folders.ts).
import { sep } from 'node:path';
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import { foldersToRescan, rememberImported } from '../library/import-folders.js';
import { importFolder, type ImportOptions, type ImportSummary } from '../library/import.js';
import type { Library } from '../library/library.js';
import { JobStore, type NewItem } from './job-store.js';
import { listPhotos, type PhotoListing } from './photo-files.js';

export const IMPORT_KIND = 'import';

export interface ImportJob {
  jobId: number;
  /** Each folder looked in, with its photos. */
  parts: { folder: string; listing: PhotoListing }[];
}

/** Records the job (state running), held by this process from the start, so that a studio
 * never sees it running unheld, as an interrupted one. Items: the photos, then the subfolders
 * that cannot be listed (failed from the start), then `failed`. The caller releases it
 * (JobStore.release) when the import ends. */
function recordJob(library: Library, spec: unknown, parts: ImportJob['parts'], failed: NewItem[] = []): ImportJob {
  const items: NewItem[] = [
    ...parts.flatMap((p) => p.listing.files.map((source) => ({ source, output: '' }))),
    ...parts.flatMap((p) => p.listing.unreadable.map((u) => ({ source: u.path, output: '' }))),
    ...failed,
  ];
  const store = new JobStore(library);
  const jobId = library.transaction(() => {
    const id = store.create(IMPORT_KIND, spec, items);
    store.claim(id);
    return id;
  });
  return { jobId, parts };
}

/** The import of a folder the user chose (one that cannot be listed is an error): from now on
 * the library keeps up with it, and with what was removed under it before. */
export async function createImportJob(library: Library, folder: string): Promise<ImportJob> {
  const listing = await listPhotos(folder);
  rememberImported(library, folder);
  return recordJob(library, { folder }, [{ folder, listing }]);
}

/** A look for new photos in every folder the library keeps up with, or in `within`, leaving
 * out the folders removed from the library. A folder that cannot be listed now (a drive that
 * is not plugged in) is a failed item, and its photos stay as they are; so is one that holds
 * no photos now where the library has some: a drive not mounted leaves its mount point, empty
 * (the studio looks as it opens, drive or no drive). */
export async function createRescanJob(library: Library, within?: string): Promise<ImportJob> {
  const parts: ImportJob['parts'] = [];
  const failed: NewItem[] = [];
  const folders = foldersToRescan(library, within);
  for (const { folder, exclude } of folders) {
    try {
      const listing = await listPhotos(folder, exclude);
      if (!listing.files.length && !listing.unreadable.length && library.photosUnder(folder + sep).some((p) => !p.missing)) {
        failed.push({ source: folder, output: '', error: `${folder}: no photos in the folder now (a drive not mounted?); the library keeps its photos as they were` });
      } else parts.push({ folder, listing });
    } catch (err) {
      failed.push({ source: folder, output: '', error: (err as Error).message });
    }
  }
  return recordJob(library, { folders: folders.map((f) => f.folder), rescan: true }, parts, failed);
}

/** Runs the import, folder by folder, marking each photo done or failed as it passes; the job
 * is done at the end unless it was cancelled (then the photos not reached stay pending). Of the
 * photos the library knew, only their number stays (known-photos.ts). */
export async function runImportJob(
  library: Library,
  job: ImportJob,
  engine: GlowEngine,
  detector: FaceDetector,
  options: Omit<ImportOptions, 'listing'> = {},
): Promise<ImportSummary> {
  const store = new JobStore(library);
  const index = new Map(store.items(job.jobId).map((item) => [item.source, item.idx]));
  const total = job.parts.reduce((n, p) => n + p.listing.files.length, 0);
  const summary: ImportSummary = { scanned: 0, added: 0, changed: 0, moved: 0, unchanged: 0, missing: 0, failed: [], faces: 0, reencoded: 0 };
  let before = 0; // photos of the folders already imported
  for (const { folder, listing } of job.parts) {
    if (options.signal?.aborted) break;
    const part = await importFolder(library, folder, engine, detector, {
      ...options,
      listing,
      onPhoto: (file, facesFound) => {
        store.setImported(job.jobId, index.get(file)!, facesFound);
        options.onPhoto?.(file, facesFound);
      },
      onProgress: (done, _total, current) => options.onProgress?.(before + done, total, current),
    });
    before += listing.files.length;
    for (const key of ['scanned', 'added', 'changed', 'moved', 'unchanged', 'missing', 'faces', 'reencoded'] as const) summary[key] += part[key];
    summary.failed.push(...part.failed);
  }
  for (const f of summary.failed) store.setFailed(job.jobId, index.get(f.file) ?? 0, f.error);
  store.setMovedPhotos(job.jobId, summary.moved);
  if (store.state(job.jobId) !== 'cancelled' && !options.signal?.aborted) store.setState(job.jobId, 'done');
  store.forgetKnownPhotos(job.jobId);
  return summary;
}

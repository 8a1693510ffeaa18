// An import as a job in the library's job store, whoever runs it (the studio, or
// `glow-studio import`): its photos are the job's items, marked done or failed as the import
// passes them. So a studio sees an import another process runs, with its progress, and
// removing the folder from the library waits for it (JobStore.workingUnder).
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import { importFolder, type ImportOptions, type ImportSummary } from '../library/import.js';
import type { Library } from '../library/library.js';
import { JobStore } from './job-store.js';
import { listPhotos, type PhotoListing } from './photo-files.js';

export const IMPORT_KIND = 'import';

export interface ImportJob {
  jobId: number;
  folder: string;
  listing: PhotoListing;
}

/** Lists `folder` and records its import as a job (state running), held by this process from
 * the start (a studio never sees it running unheld, as an interrupted one): its photos, and
 * the subfolders that cannot be listed, failed from the start, are the items. The caller
 * releases it (JobStore.release) when the import ends. */
export async function createImportJob(library: Library, folder: string): Promise<ImportJob> {
  const listing = await listPhotos(folder);
  const sources = [...listing.files, ...listing.unreadable.map((u) => u.path)];
  const store = new JobStore(library);
  const jobId = library.transaction(() => {
    const id = store.create(IMPORT_KIND, { folder }, sources.map((source) => ({ source, output: '' })));
    store.claim(id);
    return id;
  });
  return { jobId, folder, listing };
}

/** Runs the import, marking each photo done or failed as it passes; the job is done at the end
 * unless it was cancelled (then the photos not reached are left pending). */
export async function runImportJob(
  library: Library,
  job: ImportJob,
  engine: GlowEngine,
  detector: FaceDetector,
  options: Omit<ImportOptions, 'listing'> = {},
): Promise<ImportSummary> {
  const store = new JobStore(library);
  const { files, unreadable } = job.listing;
  const index = new Map([...files, ...unreadable.map((u) => u.path)].map((source, i) => [source, i]));
  const summary = await importFolder(library, job.folder, engine, detector, {
    ...options,
    listing: job.listing,
    onProgress: (done, total, current) => {
      const passed = files[done - 1];
      if (passed !== undefined) store.setDone(job.jobId, index.get(passed)!, null);
      options.onProgress?.(done, total, current);
    },
  });
  for (const f of summary.failed) store.setFailed(job.jobId, index.get(f.file) ?? 0, f.error);
  if (store.state(job.jobId) === 'cancelled' || options.signal?.aborted) return summary;
  for (const item of store.items(job.jobId, 'pending')) store.setDone(job.jobId, item.idx, null);
  store.setState(job.jobId, 'done');
  return summary;
}

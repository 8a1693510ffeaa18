// The StudioApi's view of jobs and export options (app/api/contract.ts), from the job store
// and the batch runner's events: what main's IPC / HTTP handlers send to the UI.
import type { ExportOptions as ApiExportOptions, JobInfo } from '../api/contract.js';
import { z } from 'zod';
import type { ProgressEvent } from './batch.js';
import { ExportOptions } from './export.js';
import type { JobStore } from './job-store.js';

export function exportOptionsFromApi(o: ApiExportOptions): ExportOptions {
  return ExportOptions.parse({ format: o.format, quality: o.quality, ...(o.maxSize ? { maxSide: o.maxSize } : {}), metadata: o.metadata, template: o.nameTemplate });
}

export function jobInfo(store: JobStore, jobId: number, progress?: ProgressEvent): JobInfo {
  const job = store.job(jobId, z.unknown()); // (a LibraryError that names the id, where there is none)
  const c = store.counts(jobId);
  const spec = job.spec as { out?: string };
  const kind = job.kind === 'import' || job.kind === 'export' || job.kind === 'reencode' || job.kind === 'faces' ? job.kind : 'batch';
  return {
    id: jobId,
    kind,
    state: job.state,
    done: c.done,
    total: c.total,
    failed: c.failed,
    ...(progress?.current ? { current: progress.current } : {}),
    ...(progress ? { rate: progress.rate, etaSeconds: Number.isFinite(progress.etaSeconds) ? progress.etaSeconds : undefined } : {}),
    ...(spec.out ? { outDir: spec.out } : {}),
    errors: store.items(jobId, 'failed').map((i) => ({ file: i.source, message: i.error ?? 'failed' })),
    ...(kind === 'import' ? { newPhotos: store.analysedCount(jobId), movedPhotos: store.movedPhotos(jobId) } : {}),
    ...(kind === 'faces' ? { facesAdded: store.facesAdded(jobId) } : {}),
    ...(kind === 'batch' ? { unedited: store.uneditedSources(jobId), faceless: store.facelessSources(jobId), upsideDown: store.upsideDownSources(jobId) } : {}),
  };
}

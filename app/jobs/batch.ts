// The batch runner: applies a recipe to every face of every photo in a job and exports the
// results. State lives in the library (jobs / job_items), so a crash or kill -9 resumes
// without duplicated or lost outputs: an output is written under a temp name, the item is
// marked 'committing' with its final name, the temp file is hard-linked to that name (never
// replacing a file) and the item is marked 'done'. Resuming reconciles 'committing' items by
// what is on disk. A photo that fails is recorded with its error and the batch goes on.
import { EventEmitter } from 'node:events';
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { AbortError, type GlowEngine } from '../engine/engine.js';
import type { Library } from '../library/library.js';
import { defaultConcurrency } from './concurrency.js';
import { commitTemp, encodeExport, ExportOptions, exportPath, freeName, outputFormat, tempName, writeTemp } from './export.js';
import { editPhoto, newStageTimes, timed, type FaceEditContext, type StageTimes } from './face-edit.js';
import { JobStore, type JobCounts, type NewItem } from './job-store.js';
import { checkOutputFolder, markOutputFolder } from './output-folder.js';
import { listPhotos, type PhotoListing } from './photo-files.js';
import { Recipe } from './recipe.js';

export const BATCH_KIND = 'batch';

export const BatchSpec = z.object({
  /** Folder the photos come from (outputs mirror its subfolders). */
  source: z.string().min(1),
  /** A selection inside `source`; all photos in it when absent. */
  files: z.array(z.string()).optional(),
  out: z.string().min(1),
  recipe: Recipe,
  bundle: z.string().min(1),
  /** The latentKey of the model that runs it (GlowEngine.latentKey). */
  modelId: z.string().min(1),
  export: ExportOptions,
  minFace: z.number().positive().optional(),
  /** Look for faces down to the small-face size (faces/face-size.ts), where minFace is not given. */
  smallFaces: z.boolean().optional(),
  /** Only the faces the model reads as having (has) or not having this attribute (its exact
   * name; attribute-search.ts); the others are left as they are. */
  faces: z.object({ attribute: z.string().min(1), has: z.boolean() }).optional(),
});
export type BatchSpec = z.infer<typeof BatchSpec>;

/** Whether `engine` is the model a batch began with, so resuming it keeps its outputs alike.
 * Jobs from before latent keys recorded the bare model id, and resume under that id. */
export function runsBatchModel(spec: Pick<BatchSpec, 'modelId'>, engine: Pick<GlowEngine, 'latentKey' | 'manifest'>): boolean {
  return spec.modelId === engine.latentKey || spec.modelId === engine.manifest.model_id;
}

export interface ProgressEvent {
  jobId: number;
  done: number;
  failed: number;
  total: number;
  current: string | undefined;
  /** Photos per second in this run. */
  rate: number;
  etaSeconds: number;
}

/** A job's progress: its counts, and the pace of this run (`processed` items since `since`,
 * performance.now() milliseconds), with the time left at that pace. */
export function progressOf(jobId: number, c: JobCounts, processed: number, since: number, current: string | undefined): ProgressEvent {
  const rate = processed / Math.max((performance.now() - since) / 1000, 1e-9);
  const left = c.total - c.done - c.failed;
  return { jobId, done: c.done, failed: c.failed, total: c.total, current, rate, etaSeconds: rate > 0 ? left / rate : Infinity };
}

export interface ItemEvent {
  jobId: number;
  idx: number;
  source: string;
  state: 'done' | 'failed';
  output?: string;
  error?: string;
  faces?: number;
}

export interface BatchSummary {
  jobId: number;
  counts: JobCounts;
  state: 'done' | 'paused' | 'cancelled';
  times: StageTimes;
  seconds: number;
  processed: number;
}

export interface CreatedBatch {
  jobId: number;
  /** An earlier job of the same batch was taken up again (unfinished, or with photos to redo). */
  resumed: boolean;
  /** The same batch is done, with nothing new to do: not run again. */
  alreadyDone: boolean;
  /** Taken up again: its failed photos, retried, and photos new in the folder, added. */
  retried: number;
  added: number;
}

/**
 * Lists the photos, plans every output name and creates the job. The same batch (folder,
 * selection, recipe, output, options) run again takes its earlier job up instead: what was
 * left is resumed, photos that failed are tried again and photos added to the folder since
 * are added, so running a command twice after a crash, or after fixing a bad file, never makes
 * a second copy of a photo. A done job with nothing of that is not run again unless `again`
 * is set (then a new job writes new copies, under " (2)" names).
 */
export async function createBatchJob(library: Library, input: BatchSpec, { again = false } = {}): Promise<CreatedBatch> {
  const spec = BatchSpec.parse({ ...input, source: resolve(input.source), out: resolve(input.out) });
  checkOutputFolder(spec.out, [spec.source], library);
  const listing = await photosOf(spec);
  const store = new JobStore(library);
  const earlier = store.findUnfinished(BATCH_KIND, spec) ?? (again ? undefined : store.findDone(BATCH_KIND, spec));
  if (earlier !== undefined) {
    const wasDone = store.state(earlier) === 'done';
    const { retried, added } = library.transaction(() => {
      const retried = store.retryFailed(earlier);
      store.dropUnlisted(earlier);
      const known = new Set(store.items(earlier).map((i) => i.source));
      const added = planItems(spec, { ...listing, files: listing.files.filter((f) => !known.has(f)) }, store.reservedOutputs(), known.size);
      store.addItems(earlier, added);
      // Reopened: its pending photos reserve their output names until it runs.
      if (wasDone && store.counts(earlier).pending > 0) store.setState(earlier, 'paused');
      return { retried, added: added.filter((i) => !i.error).length };
    });
    const alreadyDone = wasDone && store.counts(earlier).pending === 0; // nothing retried or added
    return { jobId: earlier, resumed: !alreadyDone, alreadyDone, retried, added };
  }
  const items = planItems(spec, listing, store.reservedOutputs(), 0);
  return { jobId: store.create(BATCH_KIND, spec, items), resumed: false, alreadyDone: false, retried: 0, added: 0 };
}

/** The batch's photos (its selection, or its folder listed), and its folders that could not be listed. */
async function photosOf(spec: BatchSpec): Promise<PhotoListing> {
  return spec.files ? { files: spec.files.map((f) => resolve(spec.source, f)), unreadable: [] } : listPhotos(spec.source, [spec.out]);
}

/** Output names for `files` (mirroring their subfolders, never a name already taken or
 * reserved); an unreadable folder or a broken link becomes an item that failed, so it is reported with the rest. */
function planItems(spec: BatchSpec, { files, unreadable }: PhotoListing, reserved: Set<string>, numbered: number): NewItem[] {
  const items: NewItem[] = files.map((file, i) => {
    const rel = relative(spec.source, dirname(file));
    if (rel.startsWith('..')) throw new RangeError(`${file} is not inside the batch folder ${spec.source}`);
    const wanted = exportPath(join(spec.out, rel), file, [spec.recipe.sliders], spec.export, numbered + i + 1, numbered + files.length);
    const output = freeName(wanted, (p) => reserved.has(p) || existsSync(p));
    reserved.add(output);
    return { source: file, output };
  });
  return [...items, ...unreadable.map((u) => ({ source: u.path, output: '', error: u.error }))];
}

export interface RunnerOptions {
  /** Photos in flight at once (default: the machine's cores, 2 to 4). */
  concurrency?: number;
}

export class BatchRunner extends EventEmitter<{ progress: [ProgressEvent]; item: [ItemEvent]; state: [string] }> {
  private readonly store: JobStore;
  private paused: { promise: Promise<void>; release: () => void } | undefined;
  private readonly controller = new AbortController();
  readonly times = newStageTimes();

  constructor(
    library: Library,
    readonly jobId: number,
    private readonly ctx: FaceEditContext,
    private readonly options: RunnerOptions = {},
  ) {
    super();
    this.store = new JobStore(library);
  }

  get spec(): BatchSpec {
    return this.store.job(this.jobId, BatchSpec).spec;
  }

  pause(): void {
    if (this.paused) return;
    let release = () => {};
    const promise = new Promise<void>((r) => (release = r));
    this.paused = { promise, release };
    this.store.setState(this.jobId, 'paused');
    this.emit('state', 'paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused.release();
    this.paused = undefined;
    this.store.setState(this.jobId, 'running');
    this.emit('state', 'running');
  }

  /** Stops after the photos in flight (a Ctrl-C): the job stays resumable. */
  stop(): void {
    this.controller.abort();
    this.paused?.release();
  }

  cancel(): void {
    this.store.setState(this.jobId, 'cancelled');
    this.controller.abort();
    this.paused?.release();
  }

  private tempFor(idx: number, output: string): string {
    return tempName(output, `job${this.jobId}-${idx}`);
  }

  /** Brings items a crash left half-way to a consistent state. */
  async reconcile(): Promise<void> {
    for (const item of this.store.items(this.jobId, 'committing')) {
      const tmp = this.tempFor(item.idx, item.output);
      if (existsSync(tmp)) {
        if (existsSync(item.output) && statSync(item.output).ino === statSync(tmp).ino) {
          unlinkSync(tmp); // the link was made; only the cleanup was lost
        } else {
          const final = await commitTemp(tmp, item.output);
          if (final !== item.output) this.store.setOutput(this.jobId, item.idx, final);
        }
        this.store.setDone(this.jobId, item.idx, null);
      } else if (existsSync(item.output)) {
        this.store.setDone(this.jobId, item.idx, null); // linked and cleaned up, not yet marked
      } else {
        this.store.setPending(this.jobId, item.idx);
      }
    }
    for (const item of this.store.items(this.jobId, 'pending')) {
      const tmp = this.tempFor(item.idx, item.output);
      if (existsSync(tmp)) unlinkSync(tmp);
    }
  }

  async run(): Promise<BatchSummary> {
    const job = this.store.job(this.jobId, BatchSpec);
    if (job.state === 'cancelled') throw new Error(`job ${this.jobId} was cancelled; start a new batch instead`);
    const spec = job.spec;
    this.store.claim(this.jobId);
    try {
      return await this.runClaimed(spec);
    } finally {
      this.store.release(this.jobId);
    }
  }

  private async runClaimed(spec: BatchSpec): Promise<BatchSummary> {
    await markOutputFolder(spec.out);
    await this.reconcile();
    this.store.setState(this.jobId, 'running');
    const queue = this.store.items(this.jobId, 'pending');
    const started = performance.now();
    let processed = 0;
    let current: string | undefined;
    const report = () => this.emit('progress', progressOf(this.jobId, this.store.counts(this.jobId), processed, started, current));
    report();
    const width = Math.max(1, this.options.concurrency ?? defaultConcurrency());
    let next = 0;
    let stopped = false;
    const worker = async () => {
      for (;;) {
        if (this.paused) await this.paused.promise;
        if (this.controller.signal.aborted || stopped) return;
        if (this.store.state(this.jobId) === 'cancelled') {
          stopped = true; // cancelled from elsewhere (another process, `jobs cancel`)
          return;
        }
        const item = queue[next++];
        if (!item) return;
        current = item.source;
        const t0 = performance.now();
        try {
          const { image, source, faces, unedited, upsideDown } = await editPhoto(item.source, this.ctx, this.times, this.controller.signal);
          const format = outputFormat(spec.export, item.source);
          const data = await timed(this.times, 'encode', () => encodeExport(image, format, spec.export, source.metadata));
          const tmp = this.tempFor(item.idx, item.output);
          const final = await timed(this.times, 'write', async () => {
            await writeTemp(tmp, data);
            this.store.setCommitting(this.jobId, item.idx, item.output, { faces, unedited, upsideDown });
            return commitTemp(tmp, item.output);
          });
          if (final !== item.output) this.store.setOutput(this.jobId, item.idx, final);
          this.store.setDone(this.jobId, item.idx, performance.now() - t0);
          processed++;
          this.emit('item', { jobId: this.jobId, idx: item.idx, source: item.source, state: 'done', output: final, faces });
        } catch (err) {
          if (err instanceof AbortError || this.controller.signal.aborted) return;
          const message = (err as Error).message ?? String(err);
          this.store.setFailed(this.jobId, item.idx, message);
          processed++;
          this.emit('item', { jobId: this.jobId, idx: item.idx, source: item.source, state: 'failed', error: message });
        }
        report();
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
    const final = this.store.counts(this.jobId);
    let state: BatchSummary['state'];
    if (this.store.state(this.jobId) === 'cancelled') state = 'cancelled';
    else if (final.pending + final.committing === 0) {
      state = 'done';
      this.store.setState(this.jobId, 'done');
    } else {
      state = 'paused';
      this.store.setState(this.jobId, 'paused');
    }
    this.emit('state', state);
    return { jobId: this.jobId, counts: final, state, times: this.times, seconds: (performance.now() - started) / 1000, processed };
  }
}

// Long work started from the UI: importing a folder, batch-editing photos, exporting edited
// photos; and one the studio starts itself, encoding faces again for a new model. Each is a job in the library's job store (so ids are unique and the list survives a
// restart); progress goes out as StudioEvents; batches pause, resume and cancel.
import { basename, dirname, resolve, sep } from 'node:path';
import { z } from 'zod';
import { ApiError, type JobInfo, type ParsedRequest, type StudioEvent } from '../api/contract.js';
import type { GlowEngine } from '../engine/engine.js';
import type { FaceDetector } from '../faces/detect.js';
import { BATCH_KIND, BatchRunner, BatchSpec, createBatchJob, progressOf, runsBatchModel, type ProgressEvent } from '../jobs/batch.js';
import { batchContext } from '../jobs/batch-context.js';
import { defaultConcurrency, eachAtOnce } from '../jobs/concurrency.js';
import { exportPath } from '../jobs/export.js';
import { createImportJob, createRescanJob, IMPORT_KIND, runImportJob, type ImportJob } from '../jobs/import-job.js';
import { exportOptionsFromApi, jobInfo } from '../jobs/job-info.js';
import { JobStore } from '../jobs/job-store.js';
import { prepareExportFolder } from '../jobs/output-folder.js';
import { isInFolder } from '../jobs/photo-files.js';
import { encodeStaleFaces } from '../library/face-latents.js';
import { foldersToRescan } from '../library/import-folders.js';
import { addSmallerFaces } from '../library/smaller-faces.js';
import type { SearchDirection } from '../library/attribute-search.js';
import type { Library, PhotoRecord } from '../library/library.js';
import type { FaceRenderer } from './face-render.js';
import type { MediaUrls } from './library-views.js';

interface Context {
  library: Library;
  engine: () => GlowEngine;
  /** Whether imports look for small faces (Settings smallFaces). */
  smallFaces: () => boolean;
  detector: FaceDetector;
  directions: (names: readonly string[]) => Promise<Record<string, Float32Array>>;
  /** What only-some-faces batches read the faces by (attribute-search.ts searchDirection). */
  search: (name: string) => Promise<SearchDirection>;
  renderer: FaceRenderer;
  emit: (event: StudioEvent) => void;
  urls: MediaUrls;
  /** Photos a job works on at once (default: jobs/concurrency.ts). */
  concurrency?: number;
}

interface Live {
  abort: AbortController;
  runner?: BatchRunner;
  /** The latest progress (rate, ETA); imports and exports make their own. */
  progress?: ProgressEvent;
  started: number;
  processed: number;
  current?: string;
  done: Promise<unknown>;
}


const REENCODE_KIND = 'reencode';
const FACES_KIND = 'faces';
/** The jobs that run the model in the background, stopped before it is closed (a switch). */
const MODEL_JOBS = new Set([REENCODE_KIND, FACES_KIND]);

/** The deepest folder holding every path. */
function commonFolder(paths: readonly string[]): string {
  const parts = paths.map((p) => dirname(p).split(sep));
  const first = parts[0] ?? [];
  let n = 0;
  while (n < first.length && parts.every((p) => p[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}

export class Activities {
  private readonly store: JobStore;
  private readonly live = new Map<number, Live>();
  /** The look for new photos at opening, until its job starts (startRescanAtOpen). */
  private opening: Promise<void> | undefined;
  /** Its job: JobInfo `automatic` (so the UI tells of it, even when it ended before the window
   * was there; a look at an earlier opening is an import like the others). */
  private openedWith: number | undefined;
  private closing = false;
  /** Photos a job works on at once. */
  private readonly width: number;

  constructor(private readonly ctx: Context) {
    this.store = new JobStore(ctx.library);
    this.width = Math.max(1, ctx.concurrency ?? defaultConcurrency());
    this.publishOutside(true);
  }

  info(jobId: number): JobInfo {
    const live = this.live.get(jobId);
    const runBy = live ? undefined : this.store.heldElsewhere(jobId);
    const base = jobInfo(this.store, jobId, live?.progress ?? (runBy ? this.outside.get(jobId)?.progress : undefined));
    // A job marked running that no process holds was interrupted (a crash, a kill): a batch
    // waits to be resumed; an import or export, which are not resumed, ended there.
    const interrupted = base.state === 'running' && !live && !runBy;
    const state = interrupted ? (base.kind === 'batch' ? 'paused' : 'cancelled') : base.state;
    return { ...base, state, ...(live?.current ? { current: live.current } : {}), ...(runBy ? { runBy } : {}), ...(jobId === this.openedWith ? { automatic: true } : {}) };
  }

  /** Each job not run here as last published (state and counts), and its pace since this
   * process first saw it move. */
  private readonly outside = new Map<number, { seen: string; since?: { t: number; processed: number }; progress?: ProgressEvent }>();

  /** Publishes the jobs run by another process (or left by one) that moved since the last
   * call: their progress, their end. `quiet`: only takes note of them (at start). */
  publishOutside(quiet = false): void {
    for (const job of this.store.list().slice(-50)) {
      if (this.live.has(job.id)) continue;
      const c = this.store.counts(job.id);
      const seen = `${job.state}:${c.done}:${c.failed}:${c.total}:${this.store.heldElsewhere(job.id) ?? ''}`;
      const known = this.outside.get(job.id);
      if (known?.seen === seen) continue;
      const since = known?.since ?? { t: performance.now(), processed: c.done + c.failed };
      const progress = progressOf(job.id, c, c.done + c.failed - since.processed, since.t, undefined);
      this.outside.set(job.id, { seen, since, ...(progress.rate > 0 ? { progress } : {}) });
      if (!quiet) this.publish(job.id);
    }
  }

  list(): JobInfo[] {
    return this.store
      .list()
      .reverse()
      .slice(0, 50)
      .map((j) => this.info(j.id));
  }

  /** Rate and ETA for jobs without a runner of their own (imports, exports). */
  private measure(jobId: number, live: Live): void {
    live.progress = progressOf(jobId, this.store.counts(jobId), live.processed, live.started, live.current);
  }

  private publish(jobId: number): void {
    this.ctx.emit({ type: 'job', job: this.info(jobId) });
  }

  private track(jobId: number, work: (live: Live) => Promise<unknown>, runner?: BatchRunner): JobInfo {
    const live: Live = { abort: new AbortController(), started: performance.now(), processed: 0, done: Promise.resolve(), ...(runner ? { runner } : {}) };
    this.live.set(jobId, live);
    // Imports and exports are claimed as batches are (BatchRunner claims its own), so that
    // another process (glow-studio remove) sees this one working on their photos. A re-encoding
    // run is not: it passes over photos that are gone (jobOn).
    const claimed = !runner && this.store.job(jobId, z.unknown()).kind !== REENCODE_KIND;
    if (claimed) this.store.claim(jobId);
    live.done = work(live)
      .catch((err: Error) => {
        if (this.store.state(jobId) !== 'cancelled') this.store.setState(jobId, 'paused');
        console.error(`glow-studio: job ${jobId} stopped: ${err.message}`);
      })
      .finally(() => {
        if (claimed) this.store.release(jobId);
        this.live.delete(jobId);
        this.publish(jobId);
      });
    return this.info(jobId);
  }

  /** Imports a folder the user chose; from then on, rescans look in it. */
  async startImport(folder: string): Promise<JobInfo> {
    return this.runImport(await createImportJob(this.ctx.library, folder));
  }

  /** Looks for new photos in every folder the library keeps up with, or in `within`. */
  async startRescan(within?: string): Promise<JobInfo> {
    return this.runImport(await createRescanJob(this.ctx.library, within));
  }

  /** The look for new photos the studio starts as it opens (Settings lookForNewPhotos), as the
   * user's "Look for new photos" would: none where the library keeps up with no folder yet, or
   * while another process imports into it. stopAll waits for it to start. */
  startRescanAtOpen(): void {
    const { library } = this.ctx;
    const importing = this.store.list().some((j) => j.kind === IMPORT_KIND && j.state === 'running' && this.store.heldElsewhere(j.id));
    if (importing || !foldersToRescan(library).length) return;
    this.opening = createRescanJob(library)
      .then((job) => {
        this.openedWith = job.jobId;
        if (!this.closing) return void this.runImport(job);
        this.store.setState(job.jobId, 'cancelled');
        this.store.release(job.jobId);
      })
      .catch((err: Error) => console.error(`glow-studio: could not look for new photos: ${err.message}`));
  }

  private runImport(job: ImportJob): JobInfo {
    return this.track(job.jobId, async (live) => {
      await runImportJob(this.ctx.library, job, this.ctx.engine(), this.ctx.detector, {
        concurrency: this.width,
        smallFaces: this.ctx.smallFaces(),
        signal: live.abort.signal,
        onProgress: (done, _total, current) => {
          live.processed = done;
          live.current = current ? basename(current) : undefined;
          this.measure(job.jobId, live);
          this.publish(job.jobId);
        },
      });
    });
  }

  async startBatch(req: ParsedRequest<'startBatch'>): Promise<JobInfo> {
    const { library } = this.ctx;
    const engine = this.ctx.engine();
    const paths = (req.photoIds ?? []).map((id) => {
      const p = library.photo(id);
      if (!p) throw new ApiError(`no photo with id ${id} in the library`, 404);
      return p.path;
    });
    const source = req.folder ? resolve(req.folder) : paths.length ? commonFolder(paths) : undefined;
    if (!source) throw new ApiError('startBatch needs a folder or photoIds');
    let mix: BatchSpec['recipe']['mix'];
    if (req.recipe.mix) {
      const partner = library.face(req.recipe.mix.faceId);
      const photo = partner && library.photo(partner.photoId);
      if (!photo) throw new ApiError(`no face with id ${req.recipe.mix.faceId} to mix with`, 404);
      const levels = req.recipe.mix.levels ?? engine.manifest.levels.map(() => 1);
      mix = { with: photo.path, weights: levels.map((w) => w * req.recipe.mix!.amount) };
    }
    const { jobId, resumed } = await createBatchJob(library, {
      source,
      ...(paths.length ? { files: paths } : {}),
      out: resolve(req.outDir),
      recipe: { sliders: req.recipe.sliders, ...(mix ? { mix } : {}) },
      bundle: engine.bundle.dir,
      modelId: engine.latentKey,
      export: exportOptionsFromApi(req.export),
      ...(req.faces ? { faces: req.faces } : {}),
      ...(this.ctx.smallFaces() ? { smallFaces: true } : {}), // as the library's imports look
    }, { again: true }); // a batch started from the UI always runs, even if the same one ran before
    return this.runBatch(jobId, !resumed);
  }

  private async runBatch(jobId: number, fresh = false): Promise<JobInfo> {
    const { library, detector, directions, search } = this.ctx;
    const { context } = await batchContext(library, jobId, { engine: this.ctx.engine(), detector, directions, search }, { fresh });
    const runner = new BatchRunner(library, jobId, context, { concurrency: this.width });
    return this.track(
      jobId,
      async (live) => {
        runner.on('progress', (e: ProgressEvent) => {
          live.progress = e;
          live.current = e.current ? basename(e.current) : undefined;
          this.publish(jobId);
        });
        runner.on('item', () => {
          live.processed++;
        });
        runner.on('state', () => this.publish(jobId));
        await runner.run();
      },
      runner,
    );
  }

  async startExport(req: ParsedRequest<'exportPhotos'>): Promise<JobInfo> {
    const { library } = this.ctx;
    const options = exportOptionsFromApi(req.export);
    const outDir = resolve(req.outDir);
    const photos = req.photoIds.map((id) => {
      const p = library.photo(id);
      if (!p) throw new ApiError(`no photo with id ${id} in the library`, 404);
      return p;
    });
    await prepareExportFolder(outDir, photos.map((p) => p.path), library);
    const items = photos.map((p, i) => ({
      source: p.path,
      output: exportPath(outDir, p.path, library.editsOfPhoto(p.id).map((e) => e.recipe.sliders), options, i + 1, photos.length),
    }));
    const jobId = this.store.create('export', { photoIds: req.photoIds, outDir, export: options }, items);
    return this.photoByPhoto(jobId, photos, async (photo, idx) => {
      const written = await this.ctx.renderer.exportPhoto(photo.id, items[idx]!.output, options);
      if (written !== items[idx]!.output) this.store.setOutput(jobId, idx, written);
    });
  }

  /** Runs `work` on each photo as job `jobId`'s items, a few at once (`width`), with progress;
   * a photo whose work throws is marked failed with the error, and the rest go on. */
  private photoByPhoto(jobId: number, photos: readonly PhotoRecord[], work: (photo: PhotoRecord, idx: number) => Promise<void>): JobInfo {
    return this.track(jobId, async (live) => {
      const onePhoto = async (photo: PhotoRecord, idx: number) => {
        live.current = basename(photo.path);
        this.measure(jobId, live);
        this.publish(jobId);
        try {
          await work(photo, idx);
          this.store.setDone(jobId, idx, null);
        } catch (err) {
          this.store.setFailed(jobId, idx, (err as Error).message);
        }
        live.processed++;
      };
      await eachAtOnce(photos, this.width, onePhoto, () => live.abort.signal.aborted);
      if (!live.abort.signal.aborted && this.store.state(jobId) !== 'cancelled') this.store.setState(jobId, 'done');
    });
  }

  /**
   * Encodes again, with the running model, the faces another model encoded (after a switch of
   * model, or an update of the shipped one), photo by photo, with progress. Without it they
   * are encoded when first needed (face-latents.ts), which for a derived attribute means all of
   * its tagged faces at once, with nothing to show for the wait. Photos marked missing are left
   * for when they are found. Stops a run for an earlier model first. Undefined: none to encode.
   */
  async startReencode(): Promise<JobInfo | undefined> {
    await this.stopModelJobs();
    const { library } = this.ctx;
    const engine = this.ctx.engine();
    const photos = [...library.photosWithFacesNotOf(engine.latentKey)].flatMap((id) => library.photo(id) ?? []).filter((p) => !p.missing);
    if (!photos.length) return undefined;
    const jobId = this.store.create(REENCODE_KIND, { modelId: engine.latentKey }, photos.map((p) => ({ source: p.path, output: '' })));
    return this.photoByPhoto(jobId, photos, async (photo) => {
      await encodeStaleFaces(library, engine, photo.id);
    });
  }

  /**
   * Looks for smaller faces in every photo of the library whose file is there (smaller-faces.ts),
   * photo by photo, with progress: for the photos imported before the small-face setting was
   * turned on. The one running, if there is one, is the answer.
   */
  startSmallerFaces(): JobInfo {
    const running = [...this.live.keys()].find((id) => this.store.job(id, z.unknown()).kind === FACES_KIND);
    if (running !== undefined) return this.info(running);
    const { library, detector } = this.ctx;
    const engine = this.ctx.engine();
    const photos = library.photosUnder('').filter((p) => !p.missing);
    const jobId = this.store.create(FACES_KIND, {}, photos.map((p) => ({ source: p.path, output: '' })));
    return this.photoByPhoto(jobId, photos, async (photo, idx) => {
      const { added } = await addSmallerFaces(library, engine, detector, photo.id);
      this.store.setImported(jobId, idx, added);
    });
  }

  /** Cancels the jobs that run the model in the background (re-encoding, a look for smaller
   * faces), live or left by an earlier session, and waits for them (before the engine they use
   * is closed). */
  async stopModelJobs(): Promise<void> {
    for (const job of this.store.list()) {
      if (!MODEL_JOBS.has(job.kind) || job.state === 'done' || job.state === 'cancelled') continue;
      this.store.setState(job.id, 'cancelled');
      const live = this.live.get(job.id);
      live?.abort.abort();
      await live?.done;
    }
  }

  /** A job under way (an import, batch or export) with photos under `folder` among its items,
   * the work that removing the folder from the library would pull the rows from under. A
   * re-encoding run does not count: it passes over photos that are gone. */
  jobOn(folder: string): JobInfo | undefined {
    for (const jobId of this.live.keys()) {
      const job = this.info(jobId);
      if (job.kind === REENCODE_KIND) continue;
      if (this.store.items(jobId).some((item) => isInFolder(item.source, folder))) return job;
    }
    return undefined;
  }

  async control(jobId: number, action: 'pause' | 'resume' | 'cancel'): Promise<JobInfo> {
    const live = this.live.get(jobId);
    let kind: string;
    try {
      kind = this.store.job(jobId, z.unknown()).kind;
    } catch {
      throw new ApiError(`no job with id ${jobId}`, 404);
    }
    if (action === 'cancel') {
      this.store.setState(jobId, 'cancelled');
      live?.runner?.cancel();
      live?.abort.abort();
    } else if (kind !== BATCH_KIND) {
      throw new ApiError(`${kind} jobs can be cancelled, not paused or resumed`);
    } else if (action === 'pause') {
      live?.runner?.pause();
    } else if (live?.runner) {
      live.runner.resume();
    } else if (this.store.state(jobId) !== 'done' && this.store.state(jobId) !== 'cancelled') {
      // Paused in an earlier session (or by a crash): pick it up, with the model it began with.
      const { spec } = this.store.job(jobId, BatchSpec);
      const running = this.ctx.engine();
      if (!runsBatchModel(spec, running)) {
        throw new ApiError(`batch ${jobId} was started with model ${spec.modelId} and the studio now runs ${running.latentKey}: switch back to resume it, or start a new batch`, 409);
      }
      return this.runBatch(jobId);
    }
    this.publish(jobId);
    return this.info(jobId);
  }

  async stopAll(): Promise<void> {
    this.closing = true;
    await this.opening;
    for (const live of this.live.values()) {
      live.runner?.stop();
      live.abort.abort();
    }
    await Promise.all([...this.live.values()].map((l) => l.done));
  }
}

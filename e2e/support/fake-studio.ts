// A stand-in StudioService for UI tests: the real contract, in-memory library, real image
// files (decoded, thumbnailed, cropped and exported with sharp), jobs that emit progress
// events. Faces come from the fixture's own list instead of a detector, and renderFace
// recolours the face ellipse by the slider values, so tests can check pixels.
import { mkdirSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import {
  ApiError,
  type ApiRequest,
  type AttributeInfo,
  type Box,
  type FaceInfo,
  type JobInfo,
  type PhotoDetail,
  type PhotoSummary,
  type Recipe,
  type StudioApi,
  type StudioEvent,
} from '../../app/api/contract.js';
import type { FixtureFace } from './fixture-photos.js';

export interface FakeStudio extends StudioApi {
  media(kind: 'photo' | 'thumb' | 'crop', id: number): Promise<{ contentType: string; body: Buffer } | undefined>;
  close(): Promise<void>;
}

export interface FakeStudioOptions {
  /** Faces per file path (the fake has no detector). */
  faces: Map<string, FixtureFace[]>;
  /** Milliseconds per batch item, so progress is visible. */
  itemMs?: number;
  /** Milliseconds renderFace takes. */
  renderMs?: number;
}

interface Photo extends PhotoSummary {
  folder: string;
  bytes?: Buffer;
}

const IMAGE = /\.(jpe?g|png|webp|tiff?)$/i;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createFakeStudio({ faces: faceIndex, itemMs = 120, renderMs = 30 }: FakeStudioOptions): FakeStudio {
  const photos = new Map<number, Photo>();
  const faces = new Map<number, FaceInfo>();
  const jobs = new Map<number, JobInfo>();
  const control = new Map<number, 'pause' | 'cancel' | null>();
  const derived = new Map<string, AttributeInfo>();
  const listeners = new Set<(e: StudioEvent) => void>();
  let nextPhoto = 1;
  let nextFace = 1;
  let nextJob = 1;
  const emit = (job: JobInfo) => listeners.forEach((l) => l({ type: 'job', job: structuredClone(job) }));

  const status = async () => ({
    model: { id: 'fake-64', imageSize: 64, bundleDir: '/fake' },
    device: { provider: 'cpu' as const, setting: 'auto' as const, fallbackReason: 'no CUDA device in the test machine' },
    photos: [...photos.values()].filter((p) => !p.error).length,
    faces: faces.size,
    version: '0.0.0-test',
  });

  function counts(name: string) {
    let positives = 0;
    let negatives = 0;
    for (const f of faces.values()) {
      if (f.tags[name] === true) positives++;
      if (f.tags[name] === false) negatives++;
    }
    return { positives, negatives };
  }

  function detail(p: Photo): PhotoDetail {
    const { folder: _f, bytes: _b, ...summary } = p;
    return { ...summary, imageUrl: `/media/photo/${p.id}`, faceList: [...faces.values()].filter((f) => f.photoId === p.id) };
  }

  async function runJob(job: JobInfo, items: string[], work: (item: string, i: number) => Promise<void>) {
    jobs.set(job.id, job);
    const started = Date.now();
    for (let i = 0; i < items.length; i++) {
      while (control.get(job.id) === 'pause') {
        job.state = 'paused';
        emit(job);
        await sleep(50);
      }
      if (control.get(job.id) === 'cancel') {
        job.state = 'cancelled';
        emit(job);
        return;
      }
      job.state = 'running';
      job.current = items[i];
      try {
        await work(items[i]!, i);
      } catch (err) {
        job.failed++;
        job.errors.push({ file: items[i]!, message: (err as Error).message });
      }
      job.done++;
      const secs = (Date.now() - started) / 1000;
      job.rate = job.done / Math.max(secs, 0.001);
      job.etaSeconds = (job.total - job.done) / job.rate;
      emit(job);
    }
    job.state = 'done';
    job.current = undefined;
    job.etaSeconds = 0;
    emit(job);
  }

  function newJob(kind: JobInfo['kind'], total: number, outDir?: string): JobInfo {
    const job: JobInfo = { id: nextJob++, kind, state: 'queued', done: 0, total, failed: 0, errors: [], ...(outDir ? { outDir } : {}) };
    jobs.set(job.id, job);
    return job;
  }

  async function patch(faceId: number, recipe: Recipe): Promise<{ box: Box; image: string }> {
    const face = faces.get(faceId);
    if (!face) throw new ApiError(`no face ${faceId}`, 404);
    const photo = photos.get(face.photoId)!;
    const b = face.box;
    const amount = Object.values(recipe.sliders ?? {}).reduce((a, v) => a + v, 0) + (recipe.mix ? recipe.mix.amount * 2 : 0);
    const mask = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${b.width}" height="${b.height}"><defs><radialGradient id="m"><stop offset="0.75" stop-color="#fff"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs><ellipse cx="${b.width / 2}" cy="${b.height / 2}" rx="${b.width * 0.45}" ry="${b.height * 0.48}" fill="url(#m)"/></svg>`,
    );
    const png = await sharp(photo.bytes!)
      .extract({ left: b.x, top: b.y, width: b.width, height: b.height })
      .modulate({ brightness: Math.max(0.2, 1 + 0.18 * amount), hue: Math.round(14 * amount), saturation: Math.max(0, 1 + 0.25 * amount) })
      .ensureAlpha()
      .composite([{ input: mask, blend: 'dest-in' }])
      .png()
      .toBuffer();
    return { box: b, image: `data:image/png;base64,${png.toString('base64')}` };
  }

  const api: FakeStudio = {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    status,
    getSettings: async () => ({ bundleDir: '/fake', device: 'auto' }),
    updateSettings: async (r) => ({ bundleDir: r.bundleDir ?? '/fake', device: r.device ?? 'auto' }),
    listFolders: async () => {
      const by = new Map<string, number>();
      for (const p of photos.values()) if (!p.error) by.set(p.folder, (by.get(p.folder) ?? 0) + 1);
      return [...by].map(([path, n]) => ({ path, photos: n }));
    },
    importFolder: async ({ path }) => {
      let files: string[];
      try {
        files = readdirSync(path)
          .filter((f) => IMAGE.test(f))
          .sort()
          .map((f) => join(path, f));
      } catch {
        throw new ApiError(`importFolder: cannot read folder '${path}': no such folder`, 400);
      }
      const job = newJob('import', files.length);
      void runJob(job, files, async (file) => {
        await sleep(itemMs / 2);
        const id = nextPhoto++;
        const summary: Photo = { id, path: file, name: basename(file), width: 0, height: 0, faces: 0, thumbUrl: `/media/thumb/${id}`, edited: false, folder: path };
        photos.set(id, summary);
        try {
          const bytes = await sharp(file).rotate().jpeg().toBuffer();
          const meta = await sharp(bytes).metadata();
          Object.assign(summary, { bytes, width: meta.width, height: meta.height });
        } catch {
          summary.error = 'not a readable image (the file is damaged or not a photo)';
          throw new Error(summary.error);
        }
        const found = faceIndex.get(file) ?? [];
        for (const f of found) {
          const box = { x: Math.round(f.cx - f.r), y: Math.round(f.cy - f.r * 1.15), width: Math.round(f.r * 2), height: Math.round(f.r * 2.3) };
          const faceId = nextFace++;
          faces.set(faceId, { id: faceId, photoId: id, box, score: 0.98, cropUrl: `/media/crop/${faceId}`, tags: {}, recipe: null });
        }
        summary.faces = found.length;
      });
      return structuredClone(job);
    },
    listPhotos: async (r) => {
      const list = [...photos.values()].filter((p) => (!r.folder || p.folder === r.folder) && (!r.tag || [...faces.values()].some((f) => f.photoId === p.id && f.tags[r.tag!])));
      return list.slice(r.offset ?? 0, (r.offset ?? 0) + (r.limit ?? 200)).map((p) => {
        const { folder: _f, bytes: _b, ...s } = p;
        return s;
      });
    },
    getPhoto: async ({ photoId }) => {
      const p = photos.get(photoId);
      if (!p) throw new ApiError(`getPhoto: no photo ${photoId}`, 404);
      return detail(p);
    },
    listAttributes: async () => {
      const names = new Set(['smiling', 'young', 'eyeglasses', 'blond hair']);
      for (const f of faces.values()) Object.keys(f.tags).forEach((n) => names.add(n));
      return [...names].map((name) => derived.get(name) ?? { name, source: 'builtin' as const, ...counts(name) }).map((a) => ({ ...a, ...counts(a.name) }));
    },
    renderFace: async ({ faceId, recipe }) => {
      const t = Date.now();
      await sleep(renderMs);
      const { box, image } = await patch(faceId, recipe as Recipe);
      return { faceId, box, image, ms: Date.now() - t };
    },
    saveEdit: async ({ faceId, recipe }) => {
      const f = faces.get(faceId);
      if (!f) throw new ApiError(`saveEdit: no face ${faceId}`, 404);
      f.recipe = recipe as Recipe;
      const p = photos.get(f.photoId)!;
      p.edited = [...faces.values()].some((x) => x.photoId === p.id && x.recipe && Object.values(x.recipe.sliders ?? {}).some((v) => v !== 0));
      return structuredClone(f);
    },
    sampleFace: async ({ temperature, seed }) => {
      const s = seed ?? 7;
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: (s * 37) % 255, g: Math.round(temperature * 120), b: 140 } } }).png().toBuffer();
      return { image: `data:image/png;base64,${png.toString('base64')}`, seed: s };
    },
    tagFace: async ({ faceId, attribute, value }) => {
      const f = faces.get(faceId);
      if (!f) throw new ApiError(`tagFace: no face ${faceId}`, 404);
      if (value === null) delete f.tags[attribute];
      else f.tags[attribute] = value;
      return structuredClone(f);
    },
    deriveAttribute: async ({ name }) => {
      const c = counts(name);
      if (c.positives < 1 || c.negatives < 1) throw new ApiError(`deriveAttribute: '${name}' needs at least one face tagged has and one has-not (now ${c.positives} and ${c.negatives})`);
      await sleep(300);
      const info = { name, source: 'derived' as const, ...c, accuracy: 0.83 };
      derived.set(name, info);
      const tagged = [...faces.values()].filter((f) => f.tags[name] !== undefined).map((f) => f.id);
      return {
        ...info,
        method: 'mean-difference' as const,
        meanDifferenceAccuracy: 0.83,
        classifierAccuracy: 0.78,
        warnings: c.positives + c.negatives < 10 ? [`only ${c.positives + c.negatives} tagged faces: tag 20 or more for a cleaner direction`] : [],
        previewFaceIds: [...faces.keys()].filter((id) => !tagged.includes(id)).slice(0, 3),
      };
    },
    startBatch: async (r: ApiRequest<'startBatch'>) => {
      const list = [...photos.values()].filter((p) => !p.error && (r.photoIds ? r.photoIds.includes(p.id) : p.folder === r.folder));
      mkdirSync(r.outDir, { recursive: true });
      const job = newJob('batch', list.length, r.outDir);
      void runJob(job, list.map((p) => p.path), async (file, i) => {
        await sleep(itemMs);
        const p = list[i]!;
        await sharp(p.bytes!).jpeg({ quality: r.export?.quality ?? 92 }).toFile(join(r.outDir, `${basename(file, extname(file))}-edited.jpg`));
      });
      return structuredClone(job);
    },
    exportPhotos: async (r) => {
      const list = r.photoIds.map((id) => photos.get(id)).filter((p): p is Photo => !!p && !p.error);
      mkdirSync(r.outDir, { recursive: true });
      const job = newJob('export', list.length, r.outDir);
      void runJob(job, list.map((p) => p.path), async (file, i) => {
        const p = list[i]!;
        const name = (r.export.nameTemplate ?? '{name}-edited').replaceAll('{name}', basename(file, extname(file))).replaceAll('{n}', String(i + 1)).replaceAll('{attrs}', 'edit');
        let img = sharp(file);
        if (r.export.metadata === 'keep') img = img.keepMetadata();
        const ext = r.export.format === 'jpeg' ? 'jpg' : r.export.format;
        await img.toFormat(r.export.format ?? 'jpeg', { quality: r.export.quality }).toFile(join(r.outDir, `${name}.${ext}`));
        void p;
      });
      return structuredClone(job);
    },
    listJobs: async () => [...jobs.values()].map((j) => structuredClone(j)),
    controlJob: async ({ jobId, action }) => {
      const job = jobs.get(jobId);
      if (!job) throw new ApiError(`controlJob: no job ${jobId}`, 404);
      control.set(jobId, action === 'resume' ? null : action);
      return structuredClone(job);
    },
    async media(kind, id) {
      if (kind === 'crop') {
        const f = faces.get(id);
        const p = f && photos.get(f.photoId);
        if (!f || !p?.bytes) return undefined;
        const b = f.box;
        const body = await sharp(p.bytes).extract({ left: b.x, top: b.y, width: b.width, height: b.height }).resize(128, 128, { fit: 'cover' }).png().toBuffer();
        return { contentType: 'image/png', body };
      }
      const p = photos.get(id);
      if (!p?.bytes) return undefined;
      if (kind === 'photo') return { contentType: 'image/jpeg', body: p.bytes };
      return { contentType: 'image/jpeg', body: await sharp(p.bytes).resize(360, 270, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer() };
    },
    async close() {
      listeners.clear();
    },
  };
  return api;
}

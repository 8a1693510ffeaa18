// The StudioService: the StudioApi implemented over the engine, face detector, library and
// jobs. Used by both the loopback host and Electron's utility process.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import {
  API_METHODS,
  ApiError,
  type ApiMethod,
  type AttributeInfo,
  parseRequest,
  type ParsedRequest,
  type PhotoDetail,
  type PreviewFace,
  type Settings,
  type StudioEvent,
  type StudioStatus,
} from '../api/contract.js';
import { packageRoot } from '../engine/default-bundle.js';
import { GlowEngine, UndecodableLatentError } from '../engine/engine.js';
import { sample, seededRandom } from '../engine/latent.js';
import { modelToPixels } from '../engine/pixels.js';
import { FaceDetector } from '../faces/detect.js';
import { restoreAlpha } from '../imaging/decode.js';
import {
  allSearches,
  attributeMargin,
  AttributeSearchError,
  builtinSearchQuality,
  derivedSearch,
  derivedSearchQuality,
  likelyRight,
  photosWithAttributeRemembered,
  readsAs,
  searchDirection,
} from '../library/attribute-search.js';
import { loadBuiltinAttributes, type BuiltinAttribute } from '../library/builtin-attributes.js';
import { deriveAndSave, derivedAttributes } from '../library/derive-and-save.js';
import { faceLatent } from '../library/face-latents.js';
import { Library, type FaceRecord, type PhotoRecord } from '../library/library.js';
import { libraryPath } from '../library/location.js';
import { AttributeNotDerivedError, attributeUse, removeDerivedAttribute } from '../library/remove-attribute.js';
import { folderContents, removeFolder } from '../library/remove-folder.js';
import { findUprightTurns, turnPhoto } from '../library/rotation.js';
import { bringBackRemovedFaces, FaceInUseError, removeFace } from '../library/remove-face.js';
import { addSmallerFaces } from '../library/smaller-faces.js';
import { openEngineWithSettings, saveSettings, type LaunchSettings } from '../library/studio-settings.js';
import { JobStore } from '../jobs/job-store.js';
import { Activities } from './activities.js';
import { watchOutsideChanges } from './outside-changes.js';
import { FaceRenderer } from './face-render.js';
import { browseFolder, FolderBrowseError, makeFolder } from './folder-browser.js';
import { faceInfo, listFolders, listPhotos, mediaUrls, recipeToLibrary } from './library-views.js';
import type { Media, MediaKind, StudioService } from './studio-service.js';

/** The model bundle and device for this launch (--bundle, --device; the packaged Electron app
 * has its shipped model among its resources): each one left out is the one the settings saved
 * in the library (library/studio-settings.ts). */
export interface StudioServiceOptions extends LaunchSettings {
  /** The library file (default: the user's data folder, see app/library/location.ts). */
  library?: string;
  /** Prefix of the image URLs the service hands out: '/media/' on the loopback host,
   * 'studio-media://' in Electron. */
  mediaBase?: string;
  /** Photos an import, batch or export works on at once (default: jobs/concurrency.ts; the
   * benchmarks compare). */
  concurrency?: number;
}

const FIRST_SLIDERS = ['Smiling', 'Age', 'Young', 'Female', 'Male', 'Eyeglasses', 'Blond_Hair', 'Black_Hair', 'Gray_Hair', 'Beard', 'Mustache', 'Bangs'];

/** Photos a batch preview looks through at most, so a rare trait in a big folder does not read
 * every latent. */
const BATCH_PREVIEW_PHOTOS = 200;

/** Draws a random face may take before the studio gives up and says why. */
const SAMPLE_TRIES = 8;
const randomSeed = () => Math.floor(Math.random() * 2 ** 31);

type Handlers = { [M in ApiMethod]: (request: ParsedRequest<M>) => Promise<unknown> };

async function pngDataUrl(rgb: Uint8Array, size: number): Promise<string> {
  const png = await sharp(Buffer.from(rgb), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

async function studioVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8'));
  return String(pkg.version);
}

/** The folder chooser's errors: a folder that is not there is a 404, the rest 400s. */
function folderError(err: unknown): never {
  throw err instanceof FolderBrowseError ? new ApiError(err.message, err.missing ? 404 : 400) : err;
}

/** Turns an error from the core into one the UI shows as it is (a 400, not a 500). */
function userError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  throw new ApiError((err as Error).message ?? String(err));
}

export async function createStudioService(options: StudioServiceOptions): Promise<StudioService> {
  const library = Library.open(libraryPath(options.library));
  let { engine, settings } = await openEngineWithSettings(library, options).catch((err: unknown) => {
    library.close();
    throw err;
  });
  const [detector, version] = await Promise.all([FaceDetector.open(), studioVersion()]);
  const urls = mediaUrls(options.mediaBase ?? '/media/');
  const listeners = new Set<(e: StudioEvent) => void>();
  const emit = (event: StudioEvent) => listeners.forEach((l) => l(event));
  let builtin: Promise<BuiltinAttribute[] | undefined> = loadBuiltinAttributes(engine.bundle.dir, engine.manifest);

  const modelId = () => engine.manifest.model_id;
  const builtinTable = async (): Promise<Record<string, Float32Array>> => Object.fromEntries(((await builtin) ?? []).map((b) => [b.name, b.direction]));
  // The user's attributes for the running model: derived again (derivedAttributes) once per
  // model, not on every render; a failed attempt is made again on the next use.
  let rederived: Promise<unknown> | undefined;
  const derived = async () => {
    rederived ??= derivedAttributes(library, engine, builtinTable).catch((err: unknown) => {
      rederived = undefined;
      throw err;
    });
    await rederived;
    return library.attributes(engine.latentKey).filter((a) => a.source === 'derived');
  };
  const allDirections = async (): Promise<Record<string, Float32Array>> => {
    const table = await builtinTable();
    for (const d of await derived()) table[d.name] = d.direction;
    return table;
  };
  /** The directions a recipe names (exact attribute names); an unknown name is an error. */
  const directions = async (names: readonly string[]): Promise<Record<string, Float32Array>> => {
    const all = await allDirections();
    const picked: Record<string, Float32Array> = {};
    for (const name of names) {
      const d = all[name];
      if (!d) throw new ApiError(`unknown attribute '${name}' (known: ${Object.keys(all).join(', ') || 'none'})`);
      picked[name] = d;
    }
    return picked;
  };
  const renderer = new FaceRenderer(library, () => engine, directions);
  /** What the library is searched by for `name`; one that cannot be searched by is a 400 (404: no such attribute). */
  const search = async (name: string) => {
    try {
      return searchDirection(library, engine, name, await builtin, await derived());
    } catch (err) {
      if (err instanceof AttributeSearchError) throw new ApiError(err.message, err.unknown ? 404 : 400);
      throw err;
    }
  };
  const activities = new Activities({ library, engine: () => engine, smallFaces: () => settings.smallFaces, detector, directions, search, renderer, emit, urls, concurrency: options.concurrency });
  const jobStore = new JobStore(library);
  await activities.startReencode();
  if (settings.lookForNewPhotos) activities.startRescanAtOpen();
  const stopWatching = watchOutsideChanges(library, () => {
    activities.publishOutside();
    emit({ type: 'library' });
  });

  const status = async (): Promise<StudioStatus> => ({
    model: { id: modelId(), imageSize: engine.manifest.image_size, levels: engine.manifest.levels.length, bundleDir: engine.bundle.dir },
    device: {
      provider: engine.provider,
      setting: settings.device,
      ...(engine.fallbackReason ? { fallbackReason: engine.fallbackReason } : {}),
    },
    photos: library.countPhotos(),
    faces: library.countFaces(),
    version,
  });

  const photoDetail = (photoId: number): PhotoDetail => {
    const [summary] = listPhotos(library, urls, { photoId, offset: 0, limit: 1 });
    if (!summary) throw new ApiError(`no photo with id ${photoId} in the library`, 404);
    // Gone since the last look for new photos: said when it opens, not left to the canvas.
    const gone = !existsSync(summary.path);
    return {
      ...summary,
      ...(gone ? { error: `its file is not there: ${summary.path}. It was moved, renamed or deleted, or it is on a drive that is not mounted` } : {}),
      imageUrl: urls.photo(photoId, library.photo(photoId)!.turns),
      faceList: library.facesOfPhoto(photoId).map((f) => faceInfo(library, urls, f)),
      mask: library.maskOf(photoId),
      removedFaces: library.removedFaces(photoId),
    };
  };

  const face = (faceId: number) => {
    const f = library.face(faceId);
    if (!f) throw new ApiError(`no face with id ${faceId} in the library`, 404);
    return f;
  };

  const photo = (photoId: number): PhotoRecord => {
    const p = library.photo(photoId);
    if (!p) throw new ApiError(`no photo with id ${photoId} in the library`, 404);
    return p;
  };

  /** A face with its (upright) photo, to show an edit of it in place. */
  const previewFace = (f: FaceRecord): PreviewFace => {
    const info = faceInfo(library, urls, f);
    return { ...info, photoUrl: urls.photo(info.photoId, library.photo(info.photoId)!.turns) };
  };

  /** Faces a batch of these photos would edit: the first of each photo, in the batch's order
   * (by path), or with `only`, the first the model reads that way (as the batch reads them,
   * without the user's tags); among the first BATCH_PREVIEW_PHOTOS photos. */
  const batchPreview = async ({ photoIds, folder, faces: only, count }: ParsedRequest<'previewBatch'>): Promise<PreviewFace[]> => {
    if (!photoIds?.length && !folder) throw new ApiError('previewBatch needs a folder or photoIds');
    // By path, as a batch lists a folder (the library lists by name: photo-order.ts).
    const photos = (photoIds?.length ? photoIds.map(photo) : library.photosUnder(resolve(folder!) + sep)).sort((a, b) => (a.path < b.path ? -1 : 1));
    const direction = only && (await search(only.attribute));
    const found: PreviewFace[] = [];
    for (const candidate of photos.filter((p) => !p.missing).slice(0, BATCH_PREVIEW_PHOTOS)) {
      for (const f of library.facesOfPhoto(candidate.id)) {
        if (direction && attributeMargin((await faceLatent(library, engine, f.id)).eps, direction) > 0 !== only.has) continue;
        found.push(previewFace(f));
        break;
      }
      if (found.length === count) break;
    }
    return found;
  };

  const handlers: Handlers = {
    status,
    getSettings: async () => settings,
    updateSettings: async (req) => {
      const next: Settings = {
        ...settings,
        bundleDir: req.bundleDir ? resolve(req.bundleDir) : settings.bundleDir,
        device: req.device ?? settings.device,
        lookForNewPhotos: req.lookForNewPhotos ?? settings.lookForNewPhotos,
        photoOrder: req.photoOrder ?? settings.photoOrder,
        smallFaces: req.smallFaces ?? settings.smallFaces,
      };
      // Only the look at opening, the photo order or the face size imports look down to: nothing
      // to open again. (Any other request, an empty one included, opens the model again, as a
      // switch would.)
      const onlyLibrary = req.lookForNewPhotos !== undefined || req.photoOrder !== undefined || req.smallFaces !== undefined;
      if (onlyLibrary && req.bundleDir === undefined && req.device === undefined) {
        settings = next;
        saveSettings(library, next);
        return settings;
      }
      const reopened = await GlowEngine.open(next.bundleDir, { device: next.device }).catch((err: Error) => {
        throw new ApiError(`cannot switch model or device: ${err.message}`);
      });
      await activities.stopModelJobs();
      await engine.close();
      engine = reopened;
      settings = next;
      saveSettings(library, next);
      builtin = loadBuiltinAttributes(engine.bundle.dir, engine.manifest);
      rederived = undefined;
      await activities.startReencode();
      emit({ type: 'status', status: await status() });
      return settings;
    },
    listFolders: async () => listFolders(library),
    browseFolder: async ({ path }) => browseFolder(path).catch(folderError),
    makeFolder: async ({ parent, name }) => browseFolder(await makeFolder(parent, name).catch(folderError)),
    importFolder: async (req) => activities.startImport(resolve(req.path)).catch(userError),
    rescanFolders: async ({ folder }) => activities.startRescan(folder === undefined ? undefined : resolve(folder)).catch(userError),
    removeFolder: async ({ path, dryRun }) => {
      const folder = resolve(path);
      // This studio's jobs, and those of another process (the command line's imports and batches).
      const busy = dryRun ? undefined : (activities.jobOn(folder) ?? jobStore.workingUnder(folder));
      if (busy) throw new ApiError(`cannot remove ${folder} from the library while ${busy.kind === 'import' ? 'an import' : `a ${busy.kind}`} works on its photos (job ${busy.id}): let it finish, or cancel it, first`, 409);
      const contents = dryRun ? folderContents(library, folder) : removeFolder(library, folder);
      if (!contents.photos) throw new ApiError(`no photos of ${folder} or its subfolders in the library`, 404);
      if (dryRun) return { ...contents, removed: false };
      renderer.forget();
      emit({ type: 'status', status: await status() });
      return { ...contents, removed: true };
    },
    listPhotos: async ({ face, ...req }) => {
      const photoIds = face && photosWithAttributeRemembered(library, engine.latentKey, face.attribute, await search(face.attribute), face.has).photoIds;
      return listPhotos(library, urls, { ...req, photoIds });
    },
    describeFaceSearch: async ({ attribute, has }) => {
      const direction = await search(attribute);
      const { faces } = photosWithAttributeRemembered(library, engine.latentKey, attribute, direction, has);
      const share = likelyRight(faces, direction.rates, has);
      return { ...faces, ...(share !== undefined ? { likelyRight: share } : {}) };
    },
    getPhoto: async ({ photoId }) => photoDetail(photoId),
    rotatePhoto: async ({ photoId, turns }) => {
      photo(photoId);
      const { lost } = await turnPhoto(library, engine, detector, photoId, turns, { smallFaces: settings.smallFaces }).catch(userError);
      renderer.forget();
      emit({ type: 'status', status: await status() });
      return { photo: photoDetail(photoId), lost };
    },
    keepUpright: async ({ photoId }) => {
      photo(photoId);
      library.keepUpright(photoId);
      return photoDetail(photoId);
    },
    findUprightTurns: async ({ photoId }) => {
      photo(photoId);
      return findUprightTurns(library, detector, photoId).catch(userError);
    },
    findSmallerFaces: async ({ photoId }) => {
      photo(photoId);
      const { added } = await addSmallerFaces(library, engine, detector, photoId).catch(userError);
      if (added) emit({ type: 'status', status: await status() }); // the library's face count
      return { photo: photoDetail(photoId), added };
    },
    lookForSmallerFaces: async () => activities.startSmallerFaces(),
    removeFace: async ({ faceId }) => {
      face(faceId);
      try {
        const removed = removeFace(library, faceId);
        emit({ type: 'status', status: await status() }); // the library's face count
        return { photo: photoDetail(removed.photoId), hadEdit: removed.hadEdit, tags: removed.tags };
      } catch (err) {
        throw err instanceof FaceInUseError ? new ApiError(err.message, 409) : err;
      }
    },
    bringBackFaces: async ({ photoId, places }) => {
      photo(photoId);
      const { added } = await bringBackRemovedFaces(library, engine, detector, photoId, places).catch(userError);
      if (added) emit({ type: 'status', status: await status() });
      return { photo: photoDetail(photoId), added };
    },
    listAttributes: async () => {
      // The sliders people reach for first lead; the rest follow alphabetically.
      const rank = (name: string) => {
        const i = FIRST_SLIDERS.indexOf(name);
        return i < 0 ? FIRST_SLIDERS.length : i;
      };
      const ordered = [...((await builtin) ?? [])].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
      const list: AttributeInfo[] = ordered.map((b) => ({
        name: b.name,
        source: 'builtin',
        positives: b.positives ?? 0,
        negatives: b.negatives ?? 0,
        ...(b.search ? { search: builtinSearchQuality(b.search) } : {}),
        ...(b.supersededBy ? { supersededBy: b.supersededBy } : {}),
      }));
      for (const d of await derived()) {
        const quality = derivedSearchQuality(d);
        // Searchable once faces tagged each way are encoded by this model (derivedSearch).
        const search = quality && derivedSearch(library, engine.latentKey, d) ? { search: quality } : {};
        list.push({ name: d.name, source: 'derived', positives: d.positives, negatives: d.negatives, ...(quality ? { accuracy: quality.accuracy } : {}), ...search });
      }
      return list;
    },
    listTags: async () => library.tagCounts().map((t) => ({ name: t.attribute, positives: t.has, negatives: t.hasNot })),
    renderFace: async ({ faceId, recipe }) => {
      face(faceId);
      try {
        return await renderer.render(faceId, recipeToLibrary(recipe, engine.manifest.levels.length));
      } catch (err) {
        return userError(err);
      }
    },
    saveEdit: async ({ faceId, recipe }) => {
      const f = face(faceId);
      try {
        library.saveEdit(f.photoId, faceId, recipeToLibrary(recipe, engine.manifest.levels.length));
      } catch (err) {
        userError(err);
      }
      return faceInfo(library, urls, f);
    },
    saveMask: async ({ photoId, strokes }) => {
      photo(photoId);
      library.setMask(photoId, strokes);
      return { photoId, strokes: library.maskOf(photoId) };
    },
    getEditHistory: async ({ photoId }) => {
      photo(photoId);
      return { history: library.editHistoryOf(photoId) };
    },
    saveEditHistory: async ({ photoId, history }) => {
      photo(photoId);
      library.setEditHistory(photoId, history);
      return { photoId };
    },
    sampleFace: async (req) => {
      const m = engine.manifest;
      const draw = async (seed: number) =>
        engine.decode(sample(m.eps_size, req.temperature, seededRandom(seed))).catch((err: Error) => {
          if (err instanceof UndecodableLatentError) return null;
          throw err;
        });
      // A draw can land outside the faces the model learned: with no seed asked for, another
      // seed is drawn, a few times, rather than showing the user an error for a random miss.
      let seed = req.seed ?? randomSeed();
      let image = await draw(seed);
      for (let tries = 1; !image && req.seed === undefined && tries < SAMPLE_TRIES; tries++) image = await draw((seed = randomSeed()));
      if (!image) {
        throw new ApiError(`the model cannot draw a face from seed ${seed} at temperature ${req.temperature}: that draw lands outside the faces it has learned. Try a lower temperature (0.7 gives typical faces) or another seed`, 422);
      }
      return { image: await pngDataUrl(modelToPixels(image, m.image_size), m.image_size), seed };
    },
    tagFace: async ({ faceId, attribute, value }) => {
      const f = face(faceId);
      if (value === null) library.removeTag(faceId, attribute);
      else library.setTag(faceId, attribute, value);
      return faceInfo(library, urls, f);
    },
    readFace: async ({ faceId }) => {
      face(faceId);
      const { eps } = await faceLatent(library, engine, faceId);
      return { faceId, reads: readsAs(eps, allSearches(library, engine.latentKey, await builtin, await derived())) };
    },
    deriveAttribute: async ({ name, projectOut }) => {
      try {
        const table = await allDirections();
        const remove = projectOut.map((n) => {
          const d = table[n];
          if (!d || n === name) throw new ApiError(`cannot project out '${n}': not a known attribute (known: ${Object.keys(table).join(', ')})`);
          return { name: n, direction: d };
        });
        const result = await deriveAndSave(library, engine, name, { projectOut: remove });
        const tagged = new Set(library.tagged(name).map((t) => t.faceId));
        const previewFaces = (library.db.prepare('SELECT id FROM faces ORDER BY id LIMIT 64').all() as { id: number }[])
          .map((r) => r.id)
          .filter((id) => !tagged.has(id))
          .slice(0, 4)
          .map((id) => previewFace(face(id)));
        return {
          name,
          source: 'derived' as const,
          positives: result.positives,
          negatives: result.negatives,
          accuracy: result.method === 'mean' ? result.meanDiffAccuracy : result.classifierAccuracy,
          method: result.method === 'mean' ? ('mean-difference' as const) : ('classifier' as const),
          meanDifferenceAccuracy: result.meanDiffAccuracy,
          classifierAccuracy: result.classifierAccuracy,
          warnings: result.warnings,
          previewFaces,
        };
      } catch (err) {
        return userError(err);
      }
    },
    removeAttribute: async ({ name, dryRun }) => {
      // A derived attribute named like a built-in one gives its slider back to the built-in.
      const options = { builtin: ((await builtin) ?? []).some((b) => b.name === name) };
      try {
        const use = dryRun ? attributeUse(library, name, options) : removeDerivedAttribute(library, name, options);
        if (!dryRun) renderer.forget();
        return { ...use, removed: !dryRun };
      } catch (err) {
        throw err instanceof AttributeNotDerivedError ? new ApiError(err.message, 404) : err;
      }
    },
    startBatch: async (req) => activities.startBatch(req).catch(userError),
    previewBatch: batchPreview,
    exportPhotos: async (req) => activities.startExport(req).catch(userError),
    listJobs: async () => activities.list(),
    controlJob: async ({ jobId, action }) => activities.control(jobId, action),
  };

  async function media(kind: MediaKind, id: number): Promise<Media | undefined> {
    if (kind === 'thumb') {
      const body = library.thumbnail(id);
      return body ? { contentType: 'image/jpeg', body } : undefined;
    }
    if (kind === 'photo') {
      if (!library.photo(id)) return undefined;
      // Re-encoded upright sRGB JPEG: browsers cannot show TIFF, and the canvas must see
      // the same orientation the model's coordinates use. A photo with transparency keeps it
      // (WebP), so the editor shows it as an export to PNG or WebP writes it.
      const image = await renderer.photo(id);
      const { width, height, alpha } = image;
      if (alpha?.some((a) => a < 255)) {
        const body = await sharp(restoreAlpha({ ...image, alpha }), { raw: { width, height, channels: 4 } }).webp({ quality: 92, alphaQuality: 100 }).toBuffer();
        return { contentType: 'image/webp', body };
      }
      const body = await sharp(image.data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
      return { contentType: 'image/jpeg', body };
    }
    const f = library.face(id);
    if (!f) return undefined;
    const m = engine.manifest;
    const crop = await engine.decode((await faceLatent(library, engine, id)).eps);
    const body = await sharp(Buffer.from(modelToPixels(crop, m.image_size)), { raw: { width: m.image_size, height: m.image_size, channels: 3 } })
      .png()
      .toBuffer();
    return { contentType: 'image/png', body };
  }

  const service = {
    onEvent(listener: (e: StudioEvent) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    media,
    async close() {
      stopWatching();
      listeners.clear();
      await activities.stopAll();
      await engine.close();
      await detector.close?.();
      library.close();
    },
  } as Record<string, unknown>;
  // Every entry point validates its request, whoever calls it (host, IPC, tests).
  for (const method of API_METHODS) {
    const handler = handlers[method] as (r: unknown) => Promise<unknown>;
    // async: a refused request is a rejected promise, as the StudioApi type says, not a throw.
    service[method] = async (payload: unknown) => handler(parseRequest(method, payload).request);
  }
  return service as unknown as StudioService;
}

// The library commands: import, photos, remove, rotate, smaller-faces, remove-face, tag, derive, edit, batch, export and jobs.
// The library file is --library, else GLOW_STUDIO_LIBRARY, else the user's data folder.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { z } from 'zod';
import { PhotoOrderSchema } from '../api/contract.js';
import { FaceDetector } from '../faces/detect.js';
import type { GlowEngine } from '../engine/engine.js';
import { BATCH_KIND, BatchRunner, BatchSpec, createBatchJob, runsBatchModel, type BatchSummary } from '../jobs/batch.js';
import { batchContext } from '../jobs/batch-context.js';
import { defaultConcurrency, eachAtOnce } from '../jobs/concurrency.js';
import { attrsToken, ExportOptions, exportPath, renderName } from '../jobs/export.js';
import { createImportJob, createRescanJob, IMPORT_KIND, runImportJob, type ImportJob } from '../jobs/import-job.js';
import { JobStore } from '../jobs/job-store.js';
import { prepareExportFolder } from '../jobs/output-folder.js';
import { AttributeNameError, parseSetFlags, resolveAttributes, type Recipe } from '../jobs/recipe.js';
import { AttributeSearchError, likelyRight, photosWithAttribute, searchDirection } from '../library/attribute-search.js';
import { loadBuiltinAttributes, type BuiltinAttribute } from '../library/builtin-attributes.js';
import { deriveAndSave, derivedAttributes } from '../library/derive-and-save.js';
import { foldersToRescan } from '../library/import-folders.js';
import { Library } from '../library/library.js';
import { libraryPath } from '../library/location.js';
import { AttributeNotDerivedError, removeDerivedAttribute } from '../library/remove-attribute.js';
import { folderContents, removeFolder } from '../library/remove-folder.js';
import { findUprightTurns, photosToTurnUpright, turnPhoto } from '../library/rotation.js';
import { bringBackRemovedFaces, FaceInUseError, removeFace } from '../library/remove-face.js';
import { addSmallerFaces } from '../library/smaller-faces.js';
import { openEngineWithSettings, wantedSettings } from '../library/studio-settings.js';
import { EXIT, InputError, numberFlag, parse, positionals, UsageError, type Command } from './args.js';
import { FaceRenderer } from '../studio/face-render.js';
import { announceEngine, deviceFlag, openEngine } from './engine-commands.js';
import { progressBar } from './progress.js';

const LIBRARY = { library: { type: 'string' } } as const;
const EXPORT_FLAGS = {
  format: { type: 'string' },
  quality: { type: 'string' },
  'max-side': { type: 'string' },
  metadata: { type: 'string' },
  name: { type: 'string' },
} as const;

/** The engine a library command runs: --bundle and --device, else the model and device the
 * studio's settings saved in the library (the model its faces are encoded with). */
async function openLibraryEngine(values: { bundle?: string | undefined; device?: string | undefined }, library: Library): Promise<GlowEngine> {
  const launch = { ...(values.bundle ? { bundleDir: values.bundle } : {}), ...(values.device ? { device: deviceFlag(values.device) } : {}) };
  return announceEngine((await openEngineWithSettings(library, launch)).engine);
}

/** Runs `work` with the library's model and the face finder, and closes them after it. */
async function withModels<T>(values: { bundle?: string | undefined; device?: string | undefined }, library: Library, work: (engine: GlowEngine, detector: FaceDetector) => Promise<T>): Promise<T> {
  const engine = await openLibraryEngine(values, library);
  try {
    const detector = await FaceDetector.open();
    try {
      return await work(engine, detector);
    } finally {
      await detector.close();
    }
  } finally {
    await engine.close();
  }
}

function openLibrary(values: { library?: string | undefined }): Library {
  const file = libraryPath(values.library);
  const lib = Library.open(file);
  if (lib.openedAtVersion === 0) console.error(`library ${file} (new)`);
  else if (lib.openedAtVersion < lib.schemaVersion) console.error(`library ${file} migrated from schema ${lib.openedAtVersion} to ${lib.schemaVersion}`);
  return lib;
}

function idArg(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a whole number from 1, got '${value}'`);
  return n;
}

function exportOptions(values: { format?: string | undefined; quality?: string | undefined; 'max-side'?: string | undefined; metadata?: string | undefined; name?: string | undefined }): ExportOptions {
  const format = values.format ?? 'same';
  if (!['jpeg', 'jpg', 'png', 'webp', 'same'].includes(format)) throw new UsageError(`--format must be jpeg, png, webp or same, got '${format}'`);
  const metadata = values.metadata ?? 'strip-gps';
  if (!['keep', 'strip', 'strip-gps'].includes(metadata)) throw new UsageError(`--metadata must be keep, strip or strip-gps, got '${metadata}'`);
  const template = values.name ?? '{name}';
  try {
    renderName(template, { name: 'x', attrs: 'a', n: 1 });
  } catch (err) {
    throw new UsageError(`--name: ${(err as Error).message}`);
  }
  const maxSide = values['max-side'] === undefined ? undefined : numberFlag('max-side', values['max-side'], 0, 16, 65535, true);
  return ExportOptions.parse({
    format: format === 'jpg' ? 'jpeg' : format,
    quality: numberFlag('quality', values.quality, 92, 1, 100, true),
    ...(maxSide ? { maxSide } : {}),
    metadata,
    template,
  });
}

/** The bundle's attributes and the user's (derived again where they were derived for another
 * model). */
async function attributesFor(engine: GlowEngine, library: Library) {
  const builtin = await loadBuiltinAttributes(engine.bundle.dir, engine.manifest).catch((err: Error) => {
    throw new InputError(err.message);
  });
  const builtinTable = async () => Object.fromEntries((builtin ?? []).map((b) => [b.name, b.direction]));
  const derived = await derivedAttributes(library, engine, builtinTable);
  return { builtin, derived };
}

function resolveRecipe(names: readonly string[], engine: GlowEngine, builtin: BuiltinAttribute[] | undefined, derived: ReturnType<Library['attributes']>) {
  try {
    return resolveAttributes(names, builtin, derived, { bundleDir: engine.bundle.dir, modelId: engine.manifest.model_id });
  } catch (err) {
    if (err instanceof AttributeNameError) throw new UsageError(err.message);
    throw err;
  }
}

function formatTimes(summary: BatchSummary): string {
  const total = Object.values(summary.times).reduce((a, b) => a + b, 0) || 1;
  return Object.entries(summary.times)
    .map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`)
    .join(', ');
}

/** Runs (or resumes) a batch job with a progress bar; Ctrl-C pauses it (resumable). `fresh`:
 * the job was just made (batchContext removes it if it cannot be set up). */
async function runBatch(library: Library, jobId: number, engine: GlowEngine, concurrency: number | undefined, fresh = false): Promise<BatchSummary> {
  const store = new JobStore(library);
  const { builtin, derived } = await attributesFor(engine, library);
  // Slider names resolve with aliases ("smile" finds "Smiling"); the labels say what each found.
  const labels: Record<string, string> = {};
  const directions = (names: readonly string[]) => {
    const resolved = resolveRecipe(names, engine, builtin, derived);
    Object.assign(labels, resolved.resolved);
    return resolved.directions;
  };
  const search = (name: string) => searchOrUsage(() => searchDirection(library, engine, name, builtin, derived));
  const detector = await FaceDetector.open();
  try {
    const { spec, context } = await batchContext(library, jobId, { engine, detector, directions, search }, { fresh });
    const runner = new BatchRunner(library, jobId, context, concurrency ? { concurrency } : {});
    const before = store.counts(jobId);
    const left = before.pending + before.committing;
    console.error(`job ${jobId}: ${before.total} photos, ${before.done} done, ${before.failed} failed, ${left} to go -> ${spec.out}`);
    for (const [name, label] of Object.entries(labels)) console.error(`  ${name} = ${spec.recipe.sliders[name]} (${label})`);
    if (spec.faces) console.error(`  only the faces the model reads as ${spec.faces.has ? 'having' : 'without'} ${spec.faces.attribute}; the others are left as they are`);
    for (const item of store.items(jobId, 'failed')) console.error(`  skipped: ${item.error}`); // folders that could not be listed
    const bar = progressBar('batch', Math.max(1, left));
    runner.on('item', (e) => {
      bar.tick(basename(e.source));
      // Say which photo, where the error itself does not (a model or a write error).
      if (e.state === 'failed') console.error(`\n  failed: ${e.error?.includes(e.source) ? e.error : `${e.source}: ${e.error}`}`);
    });
    const onSignal = () => runner.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const summary = await runner.run();
      bar.done();
      const c = summary.counts;
      const perMin = summary.processed ? (60 * summary.processed) / summary.seconds : 0;
      console.log(`job ${jobId} ${summary.state}: ${c.done} exported, ${c.failed} failed, ${c.pending + c.committing} left of ${c.total}; ${perMin.toFixed(1)} photos/min (${formatTimes(summary)})`);
      const done = store.items(jobId, 'done');
      const fewNames = (items: typeof done) => items.slice(0, 5).map((i) => basename(i.source)).join(', ') + (items.length > 5 ? ', ...' : '');
      const faceless = done.filter((i) => i.faces === 0);
      if (faceless.length) {
        console.log(`no face found in ${faceless.length} of them, exported unchanged: ${fewNames(faceless)}`);
        console.log('  (a photo on its side or upside down: import its folder, turn it with glow-studio rotate, and run the batch again with --again)');
      }
      const upsideDown = done.filter((i) => i.upsideDown);
      if (upsideDown.length) {
        console.log(`the faces looked upside down in ${upsideDown.length} of them, edited turned the right way up (the copies keep the photos' orientation): ${fewNames(upsideDown)}`);
      }
      const unedited = done.filter((i) => i.unedited > 0);
      if (unedited.length) {
        console.log(`the edit is too strong for the model on ${unedited.reduce((n, i) => n + i.unedited, 0)} face(s), left as they were: ${fewNames(unedited)} (smaller amounts may work)`);
      }
      if (summary.state === 'paused') console.log(`resume with: glow-studio jobs resume ${jobId}`);
      return summary;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await detector.close();
  }
}

/** A batch stopped by a signal exits 130; one with failed photos exits 3 (they are listed). */
function batchExit(summary: BatchSummary): number {
  if (summary.state === 'paused') return EXIT.interrupted;
  return summary.counts.failed ? EXIT.input : EXIT.ok;
}

// -- commands -------------------------------------------------------------------------------

/** import <folder>: a folder the library keeps up with from then on; import alone: new photos
 * in every folder imported before, without those removed from the library. */
async function importCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, 'min-face': { type: 'string' }, 'small-faces': { type: 'boolean' } });
  if (pos.length > 1) throw new UsageError(`expected one folder to import, or none to look for new photos in the folders imported before; got ${pos.join(' ')}`);
  const dir = pos[0] === undefined ? undefined : resolve(pos[0]);
  if (dir !== undefined && (!existsSync(dir) || !statSync(dir).isDirectory())) throw new InputError(`${dir}: not a folder`);
  const minFace = values['min-face'] === undefined ? undefined : numberFlag('min-face', values['min-face'], 40, 8, 100000);
  const library = openLibrary(values);
  if (dir === undefined && !foldersToRescan(library).length) {
    library.close();
    throw new InputError('no folder imported into this library yet: glow-studio import <folder> first');
  }
  const engine = await openLibraryEngine(values, library);
  const detector = await FaceDetector.open();
  // A job in the library, held by this process: a studio open on the library shows it, and
  // can cancel it; Ctrl-C stops it (an import is not resumed: importing again skips the photos
  // already in).
  const store = new JobStore(library);
  let job: ImportJob | undefined;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    job = dir === undefined ? await createRescanJob(library) : await createImportJob(library, dir);
    const jobId = job.jobId;
    const what = dir ?? job.parts.map((p) => p.folder).join(', ');
    let bar: ReturnType<typeof progressBar> | undefined;
    let last = 0;
    const s = await runImportJob(library, job, engine, detector, {
      ...(minFace ? { minFaceSize: minFace } : {}),
      // Asked here, or the studio's setting for this library.
      smallFaces: values['small-faces'] || wantedSettings(library).smallFaces,
      signal: stop.signal,
      onProgress: (done, total, current) => {
        if (store.state(jobId) === 'cancelled') stop.abort(); // cancelled in the studio, or by glow-studio jobs cancel
        bar ??= progressBar('import', Math.max(1, total));
        while (last < done) {
          last++;
          bar.tick(basename(current));
        }
      },
    });
    bar?.done();
    // Files that cannot be read, and folders that cannot be listed (a drive not plugged in).
    for (const item of store.items(jobId, 'failed')) console.error(`  skipped: ${item.error}`);
    const c = store.counts(jobId);
    if (stop.signal.aborted) {
      store.setState(jobId, 'cancelled');
      console.log(`import of ${what} stopped (job ${jobId}): ${c.done} of ${c.total} photos in; import again to go on (the photos already in are skipped)`);
      return EXIT.interrupted;
    }
    console.log(
      `imported ${what} (job ${jobId}): ${s.scanned} photos scanned, ${s.added} added, ${s.changed} changed, ${s.moved} moved, ${s.unchanged} unchanged, ${s.missing} missing, ${c.failed} failed; ${s.faces} faces found${s.reencoded ? `, ${s.reencoded} encoded again for this model` : ''}`,
    );
    return c.failed ? EXIT.input : EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (job) store.release(job.jobId);
    await detector.close();
    await engine.close();
    library.close();
  }
}

/** Every photo in the library whose faces all lie on their side or look upside down, with
 * the turn that sets them upright, by path. */
function uprightPlan(library: Library): { id: number; turns: number }[] {
  const listed = library.photosUnder('').filter((p) => !p.missing);
  const toTurn = photosToTurnUpright(library, listed.map((p) => p.id));
  return listed.filter((p) => toTurn.has(p.id)).map((p) => ({ id: p.id, turns: toTurn.get(p.id)! }));
}

/** What `photos` says of a photo whose faces all lie on their side or look upside down. */
function turnHint(id: number, turns: number): string {
  const how = turns === 2 ? 'its faces look upside down' : 'its faces lie on their side';
  return `${how}: glow-studio rotate ${id} --by ${turns * 90}, or rotate --upright for all such photos, or rotate ${id} --keep if it is upright as it is`;
}

/** rotate <id...> --keep: the photos are upright as they are (people lying down, say), so
 * they are no longer marked, and rotate --upright leaves them alone. */
function keepUpright(values: { library?: string | undefined; by?: string | undefined; upright?: boolean | undefined }, pos: string[]): number {
  if (values.by || values.upright || !pos.length) throw new UsageError('rotate --keep takes photo ids, and no --by or --upright: it keeps those photos as they are');
  const ids = pos.map((p) => idArg(p, 'a photo id'));
  const library = openLibrary(values);
  try {
    for (const id of ids) {
      const photo = library.photo(id) ?? notFound(id, 'photo');
      library.keepUpright(id);
      console.log(`photo ${id} (${basename(photo.path)}): kept as it is; no turn is suggested for it`);
    }
    return EXIT.ok;
  } finally {
    library.close();
  }
}

const TURNS_BY_DEGREES: Record<string, number> = { '90': 1, '180': 2, '270': 3, '-90': 3 };

async function rotateCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, by: { type: 'string' }, upright: { type: 'boolean' }, keep: { type: 'boolean' } });
  if (values.keep) return keepUpright(values, pos);
  let turns = 0;
  if (values.upright) {
    if (pos.length || values.by) throw new UsageError('rotate --upright takes no photo ids and no --by: it turns each photo whose faces all lie on their side, or look upside down, the way that sets them upright');
  } else if (values.by !== 'auto') {
    turns = TURNS_BY_DEGREES[values.by ?? ''] ?? 0;
    if (!turns) throw new UsageError(`rotate needs --by 90, 180, 270 (degrees clockwise; -90 turns left) or auto, got '${values.by ?? ''}'`);
    if (!pos.length) throw new UsageError('rotate needs one or more photo ids (see glow-studio photos), or --upright');
  }
  const ids = pos.map((p) => idArg(p, 'a photo id'));
  const library = openLibrary(values);
  try {
    const plan = values.upright ? uprightPlan(library) : ids.map((id) => (library.photo(id) ? { id, turns } : notFound(id, 'photo')));
    if (!plan.length) {
      console.log('no photo in the library has all its faces lying on their side or looking upside down');
      return EXIT.ok;
    }
    const { smallFaces } = wantedSettings(library);
    return await withModels(values, library, async (engine, detector) => {
      for (const { id, turns: asked } of plan) {
        // --by auto: the turn at which the face finder finds the most upright faces.
        const by = asked || (await findUprightTurns(library, detector, id)).turns;
        if (!by) {
          console.log(`photo ${id} (${basename(library.photo(id)!.path)}): no quarter turn shows more upright faces than the photo as it is; left as it is`);
          continue;
        }
        const r = await turnPhoto(library, engine, detector, id, by, { smallFaces });
        console.log(
          `photo ${id} (${basename(library.photo(id)!.path)}): ${r.turns ? `now turned ${r.turns * 90} degrees from the file` : 'now as the file has it'}; ${r.faces} face(s) found, ${r.kept} kept with their tags and edits, ${r.dropped} dropped${r.lost ? ` (${r.lost} had tags or an edit, gone with them)` : ''}`,
        );
      }
      return EXIT.ok;
    });
  } finally {
    library.close();
  }
}

/** smaller-faces <photo-id...>|--all: looks again for faces smaller than an import looks for
 * (a group photo's back rows) and adds them (library/smaller-faces.ts); --bring-back: the faces
 * removed from those photos too (library/remove-face.ts). --all: every photo of the library
 * whose file is there (after turning the small-face setting on, say); a photo that cannot be
 * read is named and the rest go on (exit 3). */
async function smallerFacesCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, 'bring-back': { type: 'boolean' }, all: { type: 'boolean' } });
  if (Boolean(values.all) === pos.length > 0) throw new UsageError('smaller-faces needs one or more photo ids (see glow-studio photos), or --all');
  const look = values['bring-back'] ? bringBackRemovedFaces : addSmallerFaces;
  const library = openLibrary(values);
  try {
    const ids = values.all ? library.photosUnder('').flatMap((p) => (p.missing ? [] : [p.id])) : pos.map((p) => idArg(p, 'a photo id'));
    for (const id of ids) if (!library.photo(id)) notFound(id, 'photo');
    return await withModels(values, library, async (engine, detector) => {
      let failed = 0;
      let addedAll = 0;
      for (const id of ids) {
        const name = basename(library.photo(id)!.path);
        try {
          const { added, faces } = await look(library, engine, detector, id);
          addedAll += added;
          if (added || !values.all) console.log(`photo ${id} (${name}): ${added} face(s) added, ${faces} in all`);
        } catch (err) {
          failed++;
          console.error(`  skipped: photo ${id} (${library.photo(id)!.path}): ${(err as Error).message}`);
        }
      }
      if (values.all) console.log(`looked again in ${ids.length} photo(s): ${addedAll} face(s) added${failed ? `, ${failed} photo(s) could not be read` : ''}`);
      return failed ? EXIT.input : EXIT.ok;
    });
  } finally {
    library.close();
  }
}

/** remove-face <face-id...>: takes faces out of their photos (false finds), with their tags
 * and edits; looking for faces again passes over them (library/remove-face.ts). */
async function removeFaceCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY });
  if (!pos.length) throw new UsageError('remove-face needs one or more face ids (see glow-studio photos)');
  const ids = pos.map((p) => idArg(p, 'a face id'));
  const library = openLibrary(values);
  try {
    for (const id of ids) if (!library.face(id)) notFound(id);
    for (const id of ids) {
      let removed;
      try {
        removed = removeFace(library, id);
      } catch (err) {
        throw err instanceof FaceInUseError ? new InputError(err.message) : err;
      }
      const lost = [removed.hadEdit ? 'its edit' : '', removed.tags ? `${removed.tags} tag(s)` : ''].filter(Boolean).join(' and ');
      const name = basename(library.photo(removed.photoId)!.path);
      console.log(`face ${id} removed from photo ${removed.photoId} (${name})${lost ? `, with ${lost}` : ''}; ${removed.faces} face(s) left`);
    }
    return EXIT.ok;
  } finally {
    library.close();
  }
}

/** An attribute that cannot be searched by, named on the command line: a usage error that says why. */
function searchOrUsage<T>(find: () => T): T {
  try {
    return find();
  } catch (err) {
    if (err instanceof AttributeSearchError) throw new UsageError(err.message);
    throw err;
  }
}

/** photos --with / --without <attribute>: the ids of the photos with a face that has (or has
 * not) it, as the model reads the faces and the user's tags correct it, the clearest first
 * (attribute-search.ts). */
async function photosWithFaces(values: { with?: string | undefined; without?: string | undefined; bundle?: string | undefined; device?: string | undefined }, library: Library): Promise<number[]> {
  if (values.with && values.without) throw new UsageError('photos takes --with or --without, not both');
  const asked = (values.with ?? values.without)!;
  const engine = await openLibraryEngine(values, library);
  try {
    const { builtin, derived } = await attributesFor(engine, library);
    const name = resolveRecipe([asked], engine, builtin, derived).names[asked]!;
    const search = searchOrUsage(() => searchDirection(library, engine, name, builtin, derived));
    const { photoIds, faces } = photosWithAttribute(library, engine.latentKey, name, search, !values.without);
    const share = likelyRight(faces, search.rates, !values.without);
    if (share !== undefined) {
      console.error(`about ${Math.round(share * 100)}% of the ${faces.found + faces.tagged} faces found likely ${values.without ? 'lack' : 'have'} ${name} (from the model's measured rates, and the share of this library's faces it reads that way)`);
    }
    return photoIds;
  } finally {
    await engine.close();
  }
}

/** A date taken (PhotoRecord.takenMs: its wall-clock time as UTC) as the camera's wall clock,
 * "2020-01-01T09:30:00", without a time zone: the photo gives none. */
function wallClock(takenMs: number): string {
  return new Date(takenMs).toISOString().slice(0, 19);
}

async function photosCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, json: { type: 'boolean' }, with: { type: 'string' }, without: { type: 'string' }, order: { type: 'string' } });
  const order = PhotoOrderSchema.safeParse(values.order ?? 'name');
  if (!order.success) throw new UsageError(`--order must be name, newest or oldest, got '${values.order}'`);
  const library = openLibrary(values);
  try {
    // A search lists its photos in its order, those that show it most clearly first.
    const found = values.with || values.without ? await photosWithFaces(values, library) : undefined;
    if (found && values.order) throw new UsageError('--order does not go with --with or --without: a search lists the photos that show it most clearly first');
    let photos = library.photosUnder(pos[0] ? resolve(pos[0]) + sep : '', order.data);
    if (found) {
      const rank = new Map(found.map((id, i) => [id, i]));
      photos = photos.filter((p) => rank.has(p.id)).sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
    }
    const toTurn = photosToTurnUpright(library, photos.map((p) => p.id));
    const rows = photos.map((p) => ({
      id: p.id,
      path: p.path,
      width: p.width,
      height: p.height,
      turns: p.turns,
      missing: p.missing,
      ...(p.takenMs !== undefined ? { taken: wallClock(p.takenMs) } : {}),
      faces: library.facesOfPhoto(p.id).map((f) => f.id),
      uprightTurns: toTurn.get(p.id) ?? 0,
    }));
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else {
      for (const r of rows) {
        const notes = [
          r.turns ? `turned ${r.turns * 90} degrees` : '',
          r.uprightTurns ? turnHint(r.id, r.uprightTurns) : '',
          r.missing ? 'missing' : '',
          r.taken ? `taken ${r.taken.replace('T', ' ')}` : '',
        ].filter(Boolean);
        console.log(`${r.id}\t${r.width}x${r.height}\tfaces ${r.faces.join(',') || '-'}\t${r.path}${notes.length ? ` (${notes.join(', ')})` : ''}`);
      }
    }
  } finally {
    library.close();
  }
}

/** remove <folder> --yes: the folder and its subfolders out of the library (files untouched). */
async function removeCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, yes: { type: 'boolean' } });
  const [folder] = positionals(pos, 1, 'one folder to remove from the library');
  const dir = resolve(folder!);
  const library = openLibrary(values);
  try {
    const c = folderContents(library, dir);
    if (!c.photos) throw new InputError(`${dir}: no photos of this folder or its subfolders in the library (see glow-studio photos)`);
    // A batch, or a running studio's import or export, working on these photos.
    const busy = new JobStore(library).workingUnder(dir);
    if (busy) throw new InputError(`${dir}: job ${busy.id} (${busy.kind}) of ${busy.holder} is working on its photos; let it finish, or stop it, then remove the folder`);
    const what = `${c.photos} photo(s), ${c.faces} face(s), ${c.editedPhotos} photo(s) with an edit, ${c.taggedFaces} face(s) with tags`;
    if (c.mixesOutside) console.error(`${dir}: ${c.mixesOutside} saved edit(s) of photos outside it mix with its faces; they ${values.yes ? 'lost' : 'would lose'} the mix`);
    if (!values.yes) {
      console.error(`${dir}: ${what} would be removed from the library (the files stay); nothing removed: add --yes to remove them`);
      return EXIT.usage;
    }
    removeFolder(library, dir);
    console.log(`removed ${dir} from the library: ${what}; the files are untouched (glow-studio import alone leaves it out; import the folder itself to bring the photos back, as new)`);
    return EXIT.ok;
  } finally {
    library.close();
  }
}

async function tagCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, attr: { type: 'string' }, yes: { type: 'boolean' }, no: { type: 'boolean' }, remove: { type: 'boolean' } });
  if (!values.attr?.trim()) throw new UsageError('tag needs --attr NAME');
  const choices = [values.yes, values.no, values.remove].filter(Boolean).length;
  if (choices !== 1) throw new UsageError('tag needs exactly one of --yes (has the attribute), --no (has not) or --remove');
  if (!pos.length) throw new UsageError('tag needs one or more face ids (see glow-studio photos)');
  const ids = pos.map((p) => idArg(p, 'a face id'));
  const library = openLibrary(values);
  try {
    const attr = values.attr.trim();
    library.transaction(() => {
      for (const id of ids) {
        if (!library.face(id)) notFound(id);
        if (values.remove) library.removeTag(id, attr);
        else library.setTag(id, attr, Boolean(values.yes));
      }
    });
    const c = library.tagCounts().find((t) => t.attribute === attr);
    console.log(`${attr}: ${ids.length} face(s) ${values.remove ? 'untagged' : values.yes ? 'tagged as having it' : 'tagged as not having it'}; now ${c?.has ?? 0} with, ${c?.hasNot ?? 0} without`);
  } finally {
    library.close();
  }
}

/** derive <name> --remove: deletes one of the user's derived attributes; saved edits lose its
 * slider (unless the model has a built-in attribute of that name), its tags stay. */
async function removeDerived(values: { library?: string | undefined; bundle?: string | undefined; device?: string | undefined }, name: string) {
  const library = openLibrary(values);
  const engine = await openLibraryEngine(values, library);
  try {
    const builtin = ((await loadBuiltinAttributes(engine.bundle.dir, engine.manifest).catch(() => undefined)) ?? []).some((b) => b.name === name);
    let use;
    try {
      use = removeDerivedAttribute(library, name, { builtin });
    } catch (err) {
      throw err instanceof AttributeNotDerivedError ? new InputError(err.message) : err;
    }
    console.log(
      `deleted ${name}: ${use.edits} saved face edit(s) on ${use.photos} photo(s) lost its slider, ${use.histories} photo(s) had their undo history cleared; its tags stay (glow-studio derive ${name} makes it again)`,
    );
    return EXIT.ok;
  } finally {
    await engine.close();
    library.close();
  }
}

async function deriveCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, 'project-out': { type: 'string' }, method: { type: 'string' }, lambda: { type: 'string' }, json: { type: 'boolean' }, remove: { type: 'boolean' } });
  const [name] = positionals(pos, 1, 'the attribute name');
  if (values.remove) {
    if (values['project-out'] || values.method || values.lambda || values.json) throw new UsageError('derive --remove takes the attribute name only');
    return removeDerived(values, name!);
  }
  const method = (values.method ?? 'best') as 'mean' | 'ridge' | 'best';
  if (!['mean', 'ridge', 'best'].includes(method)) throw new UsageError(`--method must be mean, ridge or best, got '${values.method}'`);
  const lambda = numberFlag('lambda', values.lambda, 1, 1e-6, 1e6);
  const library = openLibrary(values);
  const engine = await openLibraryEngine(values, library);
  try {
    const modelId = engine.manifest.model_id;
    if (!library.tagged(name!).length) throw new InputError(`no faces are tagged '${name}'; tag some with: glow-studio tag <face-id...> --attr ${name} --yes|--no`);
    const outNames = (values['project-out'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    let projectOut: { name: string; direction: Float32Array }[] = [];
    if (outNames.length) {
      const { builtin, derived } = await attributesFor(engine, library);
      const r = resolveRecipe(outNames, engine, builtin, derived.filter((d) => d.name !== name));
      projectOut = outNames.map((n) => ({ name: r.resolved[n]!, direction: r.directions[n]! }));
    }
    const result = await deriveAndSave(library, engine, name!, { projectOut, lambda, method });
    for (const w of result.warnings) console.error(`warning: ${w}`);
    const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
    if (values.json) console.log(JSON.stringify({ name, modelId, ...result, direction: undefined }, null, 2));
    else
      console.log(
        `${name} (model ${modelId}): ${result.positives} with, ${result.negatives} without; leave-one-out accuracy: mean difference ${pct(result.meanDiffAccuracy)}, ridge classifier ${pct(result.classifierAccuracy)}; saved the ${result.method === 'mean' ? 'mean-difference' : 'classifier'} direction${result.projectedOut.length ? `, with ${result.projectedOut.join(', ')} projected out` : ''}`,
      );
  } finally {
    await engine.close();
    library.close();
  }
}

function notFound(id: number, what: 'face' | 'photo' = 'face'): never {
  throw new InputError(`no ${what} with id ${id} in the library (see glow-studio photos)`);
}

async function editCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, set: { type: 'string', multiple: true }, 'mix-face': { type: 'string' }, mix: { type: 'string' } });
  if (!pos.length) throw new UsageError('edit needs one or more face ids (see glow-studio photos)');
  const faceIds = pos.map((p) => idArg(p, 'a face id'));
  let sliders: Record<string, number>;
  try {
    sliders = parseSetFlags(values.set ?? []);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const library = openLibrary(values);
  const engine = await openLibraryEngine(values, library);
  try {
    const faces = faceIds.map((id) => library.face(id) ?? notFound(id));
    const mixFace = values['mix-face'] ? idArg(values['mix-face'], '--mix-face') : undefined;
    if (mixFace && !library.face(mixFace)) notFound(mixFace);
    // One share for every level, or one per level (finest first), as the library keeps it.
    const levels = engine.manifest.levels.length;
    const shares = (values.mix ?? '0.5').split(',').map((w) => numberFlag('mix', w, 0.5, 0, 1));
    if (shares.length !== 1 && shares.length !== levels) {
      throw new UsageError(`--mix '${values.mix}' gives ${shares.length} shares: give one for every level, or ${levels} (one per level of ${engine.manifest.model_id}, finest first)`);
    }
    const weights = shares.length === 1 ? new Array<number>(levels).fill(shares[0]!) : shares;
    // Saved under the attributes' own names ("smile" is saved as Smiling), as the studio saves them.
    const { builtin, derived } = await attributesFor(engine, library);
    const { names } = resolveRecipe(Object.keys(sliders), engine, builtin, derived);
    const named = Object.fromEntries(Object.entries(sliders).map(([k, v]) => [names[k]!, v]));
    const recipe = { sliders: named, ...(mixFace ? { mix: { faceId: mixFace, weights } } : {}) };
    library.transaction(() => faces.forEach((f) => library.saveEdit(f.photoId, f.id, recipe)));
    console.log(`face${faceIds.length > 1 ? 's' : ''} ${faceIds.join(', ')}: edit saved (${attrsToken(named) || 'no sliders'}${mixFace ? `, mix with face ${mixFace}` : ''})`);
  } finally {
    await engine.close();
    library.close();
  }
}

async function batchCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, {
    ...LIBRARY,
    ...EXPORT_FLAGS,
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    'mix-with': { type: 'string' },
    mix: { type: 'string' },
    'min-face': { type: 'string' },
    'small-faces': { type: 'boolean' },
    concurrency: { type: 'string' },
    again: { type: 'boolean' },
    'only-with': { type: 'string' },
    'only-without': { type: 'string' },
  });
  const [folder] = positionals(pos, 1, 'one folder of photos');
  if (values['only-with'] && values['only-without']) throw new UsageError('batch takes --only-with or --only-without, not both');
  const source = resolve(folder!);
  if (!existsSync(source) || !statSync(source).isDirectory()) throw new InputError(`${source}: not a folder`);
  if (!values.out) throw new UsageError('batch needs --out <folder> for the edited copies (originals are never written to)');
  let sliders: Record<string, number>;
  try {
    sliders = parseSetFlags(values.set ?? []);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!Object.keys(sliders).length && !values['mix-with']) throw new UsageError('batch needs at least one --set name=amount (or --mix-with)');
  const recipe: Recipe = { sliders };
  if (values['mix-with']) {
    const weights = (values.mix ?? '0.5').split(',').map((w) => numberFlag('mix', w, 0.5, 0, 1));
    recipe.mix = { with: resolve(values['mix-with']), weights: weights.length === 1 ? weights[0]! : weights };
  }
  const exportOpts = exportOptions(values);
  const concurrency = values.concurrency === undefined ? undefined : numberFlag('concurrency', values.concurrency, 2, 1, 64, true);
  const minFace = values['min-face'] === undefined ? undefined : numberFlag('min-face', values['min-face'], 40, 8, 100000);
  const library = openLibrary(values);
  const engine = await openLibraryEngine(values, library);
  try {
    const { builtin, derived } = await attributesFor(engine, library);
    resolveRecipe(Object.keys(sliders), engine, builtin, derived); // fail before planning
    // Only some faces: the attribute's own name goes in the job, and it must be searchable.
    const onlyAsked = values['only-with'] ?? values['only-without'];
    const faces = onlyAsked && { attribute: resolveRecipe([onlyAsked], engine, builtin, derived).names[onlyAsked]!, has: Boolean(values['only-with']) };
    if (faces) searchOrUsage(() => searchDirection(library, engine, faces.attribute, builtin, derived));
    const { jobId, resumed, alreadyDone, retried, added } = await createBatchJob(
      library,
      {
      source,
      out: resolve(values.out),
      recipe,
      bundle: engine.bundle.dir,
      modelId: engine.latentKey,
      export: exportOpts,
      ...(minFace ? { minFace } : {}),
      ...(values['small-faces'] || wantedSettings(library).smallFaces ? { smallFaces: true } : {}),
      ...(faces ? { faces } : {}),
      },
      { again: Boolean(values.again) },
    );
    if (alreadyDone) {
      const c = new JobStore(library).counts(jobId);
      console.log(`this batch was already done as job ${jobId} (${c.done} exported, ${c.failed} failed); add --again to run it once more (new files get " (2)" names)`);
      return;
    }
    if (resumed) {
      const again = [retried && `trying ${retried} failed photo(s) again`, added && `adding ${added} new photo(s)`].filter(Boolean).join(', ');
      console.error(`resuming job ${jobId}, the same folder, recipe and output${again ? `: ${again}` : ''}`);
    }
    return batchExit(await runBatch(library, jobId, engine, concurrency, !resumed));
  } finally {
    await engine.close();
    library.close();
  }
}

async function exportCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, ...EXPORT_FLAGS, out: { type: 'string' }, all: { type: 'boolean' } });
  if (!values.out) throw new UsageError('export needs --out <folder>');
  if (!pos.length && !values.all) throw new UsageError('export needs photo ids (see glow-studio photos) or --all');
  const options = exportOptions(values);
  const library = openLibrary(values);
  const engine = await openLibraryEngine(values, library);
  try {
    const ids = values.all ? library.photosUnder('').filter((p) => !p.missing).map((p) => p.id) : pos.map((p) => idArg(p, 'a photo id'));
    for (const id of ids) if (!library.photo(id)) notFound(id, 'photo');
    const out = resolve(values.out);
    await prepareExportFolder(out, ids.map((id) => library.photo(id)!.path), library);
    const { builtin, derived } = await attributesFor(engine, library);
    // The studio's own rendering, so the CLI exports exactly what the editor shows.
    const renderer = new FaceRenderer(library, () => engine, async (names) => resolveRecipe(names, engine, builtin, derived).directions);
    const bar = progressBar('export', Math.max(1, ids.length));
    // A photo that cannot be exported (its file gone or unreadable) is named, and the rest go on.
    const failed: string[] = [];
    await eachAtOnce(ids, defaultConcurrency(), async (id, i) => {
      const photo = library.photo(id)!;
      const target = exportPath(out, photo.path, library.editsOfPhoto(id).map((e) => e.recipe.sliders), options, i + 1, ids.length);
      try {
        bar.tick(basename(await renderer.exportPhoto(id, target, options)));
      } catch (err) {
        const message = (err as Error).message;
        failed.push(message.includes(photo.path) ? message : `${photo.path}: ${message}`);
        bar.tick(basename(photo.path));
      }
    });
    bar.done();
    for (const f of failed) console.error(`  skipped: ${f}`);
    console.log(`exported ${ids.length - failed.length} photo(s) to ${out}${failed.length ? `; ${failed.length} failed` : ''}`);
    return failed.length ? EXIT.input : EXIT.ok;
  } finally {
    await engine.close();
    library.close();
  }
}

async function jobsCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { ...LIBRARY, json: { type: 'boolean' }, concurrency: { type: 'string' } });
  const [action = 'list', idText, ...extra] = pos;
  if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`);
  const library = openLibrary(values);
  const store = new JobStore(library);
  try {
    if (action === 'list') {
      const jobs = store.list().map((j) => {
        const spec = j.spec as { source?: string; folder?: string; folders?: string[]; out?: string; outDir?: string };
        return { id: j.id, kind: j.kind, state: j.state, created: j.createdAt, ...store.counts(j.id), source: spec.source ?? spec.folder ?? spec.folders?.join(', '), out: spec.out ?? spec.outDir };
      });
      if (values.json) console.log(JSON.stringify(jobs, null, 2));
      else if (!jobs.length) console.log('no jobs');
      else for (const j of jobs) console.log(`${j.id}\t${j.kind}\t${j.state}\t${j.done}/${j.total} done, ${j.failed} failed\t${[j.source, j.out].filter(Boolean).join(' -> ')}`);
      return;
    }
    if (!idText) throw new UsageError(`jobs ${action} needs a job id`);
    const id = idArg(idText, 'the job id');
    if (action === 'show') {
      const items = store.items(id);
      if (values.json) console.log(JSON.stringify({ job: store.job(id, z.unknown()), items, knownPhotos: store.knownPhotos(id) }, null, 2));
      else {
        for (const it of items) console.log(`${it.idx}\t${it.state}\t${it.source}\t${it.state === 'failed' ? it.error : it.output}`);
        const known = store.knownPhotos(id);
        if (known) console.log(`(and ${known} photo${known === 1 ? '' : 's'} the library already knew, not listed)`);
      }
    } else if (action === 'cancel') {
      const state = store.state(id);
      if (state === 'done') throw new UsageError(`job ${id} is already done`);
      store.setState(id, 'cancelled');
      console.log(`job ${id} cancelled (finished outputs are kept)`);
    } else if (action === 'resume') {
      const { kind } = store.job(id, z.unknown());
      if (kind !== BATCH_KIND) throw new UsageError(`job ${id} is ${kind === IMPORT_KIND ? 'an import' : `a ${kind}`}: only batches are resumed${kind === IMPORT_KIND ? '; import the folder again (the photos already in are skipped)' : ''}`);
      const job = store.job(id, BatchSpec);
      if (job.state === 'done') {
        console.log(`job ${id} is already done`);
        return;
      }
      if (job.state === 'cancelled') throw new UsageError(`job ${id} was cancelled; start a new batch`);
      const engine = await openEngine({ ...values, bundle: values.bundle ?? job.spec.bundle });
      try {
        if (!runsBatchModel(job.spec, engine)) throw new InputError(`job ${id} was made with model ${job.spec.modelId}, the bundle has ${engine.latentKey}`);
        const concurrency = values.concurrency === undefined ? undefined : numberFlag('concurrency', values.concurrency, 2, 1, 64, true);
        return batchExit(await runBatch(library, id, engine, concurrency));
      } finally {
        await engine.close();
      }
    } else throw new UsageError(`jobs: unknown action '${action}' (list, show <id>, resume <id>, cancel <id>)`);
  } finally {
    library.close();
  }
}

export const libraryCommands: Record<string, Command> = {
  import: importCommand,
  photos: photosCommand,
  remove: removeCommand,
  rotate: rotateCommand,
  'smaller-faces': smallerFacesCommand,
  'remove-face': removeFaceCommand,
  tag: tagCommand,
  derive: deriveCommand,
  edit: editCommand,
  batch: batchCommand,
  export: exportCommand,
  jobs: jobsCommand,
};

// The faces commands: `faces` (find faces in one photo) and `align` (canonical crops of every
// face in folders of photos, with a CSV of transforms, scores and dataset labels).
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { alignFace } from '../faces/align.js';
import { FaceDetector } from '../faces/detect.js';
import { writeOverlayPng } from '../faces/overlay.js';
import type { Face } from '../faces/types.js';
import { decodeImage } from '../imaging/decode.js';
import { ImageFileError } from '../imaging/image-files.js';
import { ensureParent, InputError, numberFlag, parse, positionals, UsageError, type Command } from './args.js';
import { labelsForFolder, unlabelledWarning, type DatasetLabels } from './dataset-labels.js';
import { progressBar } from './progress.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

function faceJson(f: Face) {
  const pt = (p: readonly [number, number]) => [round(p[0]), round(p[1])];
  return {
    box: { x: round(f.box.x), y: round(f.box.y), width: round(f.box.width), height: round(f.box.height) },
    landmarks: {
      left_eye: pt(f.landmarks.leftEye),
      right_eye: pt(f.landmarks.rightEye),
      nose: pt(f.landmarks.nose),
      mouth_left: pt(f.landmarks.mouthLeft),
      mouth_right: pt(f.landmarks.mouthRight),
    },
    score: round(f.score, 4),
    detector_score: round(f.detectorScore, 4),
    roll_degrees: round(f.roll, 1),
  };
}

function sameFile(a: string, b: string) {
  return resolve(a) === resolve(b);
}

async function facesCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { overlay: { type: 'string' }, json: { type: 'boolean' }, 'min-face': { type: 'string' } });
  const [photo] = positionals(pos, 1, 'one photo');
  const file = resolve(photo!);
  const minFaceSize = numberFlag('min-face', values['min-face'], 40, 8, 100000);
  const overlay = values.overlay ? resolve(values.overlay) : undefined;
  if (overlay && sameFile(overlay, file)) throw new UsageError(`--overlay ${values.overlay} is the photo itself; photos are never written to`);
  if (overlay && extname(overlay).toLowerCase() !== '.png') throw new UsageError(`--overlay must name a .png file, got '${values.overlay}'`);
  const t0 = performance.now();
  const image = await decodeImage(file);
  const decodeMs = performance.now() - t0;
  const detector = await FaceDetector.open();
  try {
    const faces = await detector.detect(image, { minFaceSize });
    const timings = { decode_ms: Math.round(decodeMs), detect_ms: Math.round(detector.timings.detect), landmarks_ms: Math.round(detector.timings.landmarks) };
    if (overlay) {
      await ensureParent(overlay);
      await writeOverlayPng(overlay, image, faces);
    }
    if (values.json) {
      console.log(JSON.stringify({ file, width: image.width, height: image.height, faces: faces.map(faceJson), timings, overlay: overlay ?? null }, null, 2));
      return;
    }
    console.log(`${file}: ${image.width}x${image.height}, ${faces.length} face${faces.length === 1 ? '' : 's'}`);
    faces.forEach((f, i) => {
      const j = faceJson(f);
      const p = (a: number[]) => `(${a[0]}, ${a[1]})`;
      console.log(
        `  ${i + 1}. box ${j.box.x},${j.box.y} ${j.box.width}x${j.box.height}  score ${j.score.toFixed(3)}  roll ${j.roll_degrees}°\n` +
          `     eyes ${p(j.landmarks.left_eye)} ${p(j.landmarks.right_eye)}  nose ${p(j.landmarks.nose)}  mouth ${p(j.landmarks.mouth_left)} ${p(j.landmarks.mouth_right)}`,
      );
    });
    console.log(`  decode ${timings.decode_ms} ms, detect ${timings.detect_ms} ms, landmarks ${timings.landmarks_ms} ms`);
    if (overlay) console.log(`wrote overlay to ${overlay}`);
  } finally {
    await detector.close();
  }
}

// -- align ------------------------------------------------------------------------------------

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** An existing faces.csv's header line and the source files it records (first column), for resuming. */
async function readFacesCsv(csv: string): Promise<{ header: string | undefined; done: Set<string> }> {
  let text: string;
  try {
    text = await readFile(csv, 'utf8');
  } catch {
    return { header: undefined, done: new Set() };
  }
  const done = new Set<string>();
  const lines = text.split('\n');
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const m = /^"((?:[^"]|"")*)"|^([^,]*)/.exec(line);
    const name = m?.[1] !== undefined ? m[1].replace(/""/g, '"') : m?.[2];
    if (name) done.add(name);
  }
  return { header: lines[0], done };
}

async function listImages(folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`${folder}: cannot list folder (${(err as NodeJS.ErrnoException).code})`);
  }
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
}

async function exists(file: string) {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a file, or lies under one, so no folder can be made there. */
async function notAFolder(path: string) {
  try {
    return !(await stat(path)).isDirectory();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOTDIR';
  }
}

/** Width and height of the first crop already in `outDir`, if any can be read. */
async function existingCropSize(outDir: string): Promise<{ crop: string; width?: number; height?: number } | undefined> {
  const crop = (await readdir(outDir).catch(() => [])).find((f) => f.endsWith('.png'));
  if (!crop) return undefined;
  // An unreadable crop (a run cut off mid-write) says nothing about the size.
  const meta = await sharp(join(outDir, crop)).metadata().catch(() => undefined);
  return meta && { crop, width: meta.width, height: meta.height };
}

export interface AlignSummary {
  folder: string;
  images: number;
  skipped: number;
  faces: number;
  withoutFaces: number;
  unreadable: number;
}

const FIXED_COLUMNS = ['source', 'face', 'crop', 'score', 'detector_score', 'roll', 'a', 'b', 'c', 'd', 'e', 'f'];

/** One source folder's alignment, planned (and checked against what an earlier run left) before any folder is aligned. */
interface AlignPlan {
  folder: string;
  names: string[];
  labels: DatasetLabels;
  outDir: string;
  csv: string;
  header: string;
  done: Set<string>;
}

async function planFolder(folder: string, outRoot: string, size: number): Promise<AlignPlan> {
  const names = await listImages(folder);
  const labels = await labelsForFolder(folder, names);
  const outDir = join(outRoot, basename(folder));
  const csv = join(outDir, 'faces.csv');
  const header = [...FIXED_COLUMNS, ...labels.columns].map(csvField).join(',');
  const startOver = `align into a new --out, or delete ${outDir} to align that source again`;
  if (await notAFolder(outDir)) throw new UsageError(`${outDir} is a file, not a folder for ${basename(folder)}'s crops`);
  const previous = await readFacesCsv(csv);
  // Rows already written keep their columns; appending rows with others would corrupt the CSV.
  if (previous.done.size && previous.header !== header) {
    const had = (previous.header ?? '').split(',').length - FIXED_COLUMNS.length;
    throw new UsageError(`${csv} has ${had} label columns, this run would write ${labels.columns.length}: the labels of ${folder} changed since it was written; ${startOver}`);
  }
  // Crops already there are kept, so they must be the size asked for.
  const crop = await existingCropSize(outDir);
  if (crop && (crop.width !== size || crop.height !== size)) {
    throw new UsageError(`${outDir} holds ${crop.width}x${crop.height} crops (${crop.crop}), this run asks for --size ${size}; ${startOver}`);
  }
  return { folder, names, labels, outDir, csv, header, done: previous.done };
}

async function alignFolder(detector: FaceDetector, plan: AlignPlan, size: number, minFaceSize: number): Promise<AlignSummary> {
  const { folder, names, labels, outDir, csv, done } = plan;
  await mkdir(outDir, { recursive: true });
  if (done.size === 0) await writeFile(csv, plan.header + '\n');
  const todo = names.filter((n) => !done.has(n));
  const summary: AlignSummary = { folder, images: names.length, skipped: names.length - todo.length, faces: 0, withoutFaces: 0, unreadable: 0 };
  console.error(`${folder}: ${names.length} images, ${summary.skipped} already done${labels.columns.length ? `, labels: ${labels.columns.length} columns` : ''}`);
  const warning = unlabelledWarning(folder, names, labels);
  if (warning) console.error(warning);
  const bar = progressBar(basename(folder), Math.max(1, todo.length));
  const one = async (name: string): Promise<string[]> => {
    const file = join(folder, name);
    let faces: Face[];
    let image;
    try {
      image = await decodeImage(file);
      faces = await detector.detect(image, { minFaceSize });
    } catch (err) {
      if (!(err instanceof ImageFileError)) throw err;
      summary.unreadable++;
      console.error(`\nskipped ${err.message}`);
      return [];
    }
    // Largest face first: in a dataset photo that is the labelled subject.
    faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    if (!faces.length) {
      summary.withoutFaces++;
      return [[name, -1, '', '', '', '', '', '', '', '', '', '', ...labels.columns.map(() => '')].map(csvField).join(',')];
    }
    const rows: string[] = [];
    const stem = name.replace(/\.[^.]+$/, '');
    for (const [k, face] of faces.entries()) {
      const crop = k === 0 ? `${stem}.png` : `${stem}_face${k}.png`;
      const cropFile = join(outDir, crop);
      const aligned = await alignFace(image, face.landmarks, size);
      if (!(await exists(cropFile))) {
        await sharp(aligned.pixels, { raw: { width: size, height: size, channels: 3 } }).png().toFile(cropFile);
      }
      const label = (k === 0 ? labels.of(name) : undefined) ?? labels.columns.map(() => '');
      rows.push([name, k, crop, round(face.score, 4), round(face.detectorScore, 4), round(face.roll, 1), ...aligned.toPhoto.map((v) => round(v, 5)), ...label].map(csvField).join(','));
      summary.faces++;
    }
    return rows;
  };
  // Two files in flight: one decoding/writing while the other is in the models.
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const name = todo[next++]!;
      const rows = await one(name);
      if (rows.length) await appendFile(csv, rows.join('\n') + '\n');
      bar.tick(name);
    }
  };
  try {
    await Promise.all([worker(), worker()]);
  } finally {
    bar.done();
  }
  return summary;
}

async function alignCommand(args: string[]) {
  const { values, positionals: folders } = parse(args, { size: { type: 'string' }, out: { type: 'string' }, 'min-face': { type: 'string' } });
  if (!folders.length) throw new UsageError('align needs at least one folder of photos');
  if (!values.out) throw new UsageError('align needs --out <dir>');
  const size = numberFlag('size', values.size, 64, 8, 4096, true);
  const minFaceSize = numberFlag('min-face', values['min-face'], 20, 8, 100000);
  const outRoot = resolve(values.out);
  const sources = folders.map((f) => resolve(f));
  for (const s of sources) {
    if (outRoot === s || outRoot.startsWith(s + '/')) throw new UsageError(`--out ${values.out} lies inside the source folder ${s}; photos' folders are never written to`);
  }
  const names = sources.map((s) => basename(s));
  if (new Set(names).size !== names.length) throw new UsageError(`source folders need distinct names (crops go to <out>/<folder name>), got ${names.join(', ')}`);
  if (await notAFolder(outRoot)) throw new UsageError(`--out ${values.out}: ${outRoot} is a file (or lies under one), not a folder`);
  const plans = [];
  for (const folder of sources) plans.push(await planFolder(folder, outRoot, size));
  const detector = await FaceDetector.open();
  try {
    for (const plan of plans) {
      const s = await alignFolder(detector, plan, size, minFaceSize);
      console.log(
        `${s.folder}: ${s.images} images; this run ${s.images - s.skipped} (${s.skipped} done before): ${s.faces} faces, ${s.withoutFaces} without a face, ${s.unreadable} unreadable -> ${plan.outDir}`,
      );
    }
  } finally {
    await detector.close();
  }
}

export const facesCommands: Record<string, Command> = {
  faces: facesCommand,
  align: alignCommand,
};

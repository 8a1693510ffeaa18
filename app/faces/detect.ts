// Finding faces in a full-resolution photo: BlazeFace over an image pyramid (faces from
// `minFaceSize` px to the whole frame) cut into overlapping tiles of up to 1024 px (the graph,
// trained at 256 px, is fully convolutional), weighted non-max suppression, then FaceMesh
// on a roll-corrected crop of each candidate for the landmarks and a face score that drops
// false positives. Faces come out in reading order (reading-order.ts), the order the studio, the
// overlay and the CLI number them in. Models ship in app/faces/models (converted by
// scripts/convert-face-models.py).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { RgbImage } from '../imaging/decode.js';
import { composeAffine } from './affine.js';
import { BLAZEFACE_SIZE, decodeDetections } from './blazeface.js';
import { CROP_MARGIN, eyeAngle, FACEMESH_SIZE, meshExtent, meshLandmarks, meshToPhoto, meshWindow } from './facemesh.js';
import { dropDuplicateFaces, nonMaxSuppression, type Scored } from './nms.js';
import { readingOrder } from './reading-order.js';
import type { Affine, Face, Point } from './types.js';
import { toPlanar, warpRgb } from './warp.js';

export interface DetectOptions {
  /** Smallest face width to look for, in photo pixels (default 40). */
  minFaceSize?: number;
  /** BlazeFace probability a candidate needs (default 0.5). */
  minDetectorScore?: number;
  /** FaceMesh face probability a face needs to be kept (default 0.5). */
  minFaceScore?: number;
  /** Most candidates refined with FaceMesh, best first (default 64). */
  maxCandidates?: number;
  /** Largest BlazeFace tile side, a multiple of 32 from 256 (default 1024). */
  maxTile?: number;
}

/** The last detect() call: milliseconds per stage and the number of BlazeFace tiles run. */
export interface DetectTimings {
  detect: number;
  landmarks: number;
  tiles: number;
}

/** BlazeFace finds faces down to about this width (in its 256-px input) reliably. */
const MIN_FACE_AT_INPUT = 16;
/** Tiles overlap by this much (input px): a face up to this size lies whole in one tile, and a
 * bigger one is at least MIN_FACE_AT_INPUT wide on the next coarser level (LEVEL_RATIO). */
const TILE_OVERLAP = 32;
/** Neighbouring pyramid levels differ in scale by at most this factor. */
const LEVEL_RATIO = 2;
/** Largest tile side: the graph is fully convolutional, so big tiles waste less on overlap. */
const MAX_TILE = 1024;
const TILE_BATCH = 4;

interface Level {
  image: RgbImage;
  sx: number;
  sy: number;
}

interface Candidate extends Scored {
  detectorScore: number;
}

/** Beside this module in the source tree; from the compiled dist/app/faces, back in app/faces. */
function modelPath(name: string): string {
  const candidates = [`./models/${name}.onnx`, `../../../app/faces/models/${name}.onnx`].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  // In a packaged app the models are unpacked beside the asar archive, where native code can read them.
  const found = candidates.map((p) => p.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`)).find((p) => existsSync(p)) ?? candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`face model ${name}.onnx not found (looked in ${candidates.join(', ')}); run /usr/bin/python3 scripts/convert-face-models.py`);
  return found;
}

async function resizeRgb(src: RgbImage, width: number, height: number): Promise<RgbImage> {
  const data = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/**
 * Scales from coarse to fine: the whole frame at half the input size (centred with a margin,
 * for faces that fill the frame: BlazeFace wants some context around a face), the whole frame
 * in one tile, then finer levels until minFaceSize reaches MIN_FACE_AT_INPUT.
 */
export function pyramidScales(width: number, height: number, minFaceSize: number): number[] {
  const top = BLAZEFACE_SIZE / Math.max(width, height);
  const fine = MIN_FACE_AT_INPUT / minFaceSize;
  if (fine <= top) return [top / 2, top];
  const steps = Math.ceil(Math.log(fine / top) / Math.log(LEVEL_RATIO));
  return [top / 2, ...Array.from({ length: steps + 1 }, (_, k) => top * (fine / top) ** (k / steps))];
}

/** Tiles along one side: as few as fit MAX_TILE, equal sizes rounded up to 32, overlapping by at least TILE_OVERLAP. */
export function tileSpan(size: number, maxTile = MAX_TILE): { tile: number; origins: number[] } {
  const up32 = (v: number) => Math.ceil(v / 32) * 32;
  if (size <= maxTile) {
    const tile = Math.max(BLAZEFACE_SIZE, up32(size));
    return { tile, origins: [-Math.floor((tile - size) / 2)] }; // one tile, the level centred in it
  }
  const n = Math.ceil((size - TILE_OVERLAP) / (maxTile - TILE_OVERLAP));
  const tile = up32((size + (n - 1) * TILE_OVERLAP) / n);
  return { tile, origins: Array.from({ length: n }, (_, i) => Math.round((i * (size - tile)) / (n - 1))) };
}

/** Copies a tw x th window at (x0, y0) (may start left of or above the level) into planar [-1, 1] floats; outside the level is black (-1). */
function packTile(level: RgbImage, x0: number, y0: number, tw: number, th: number, target: Float32Array, at: number) {
  const plane = tw * th;
  target.fill(-1, at, at + 3 * plane);
  const xa = Math.max(0, -x0);
  const xb = Math.min(tw, level.width - x0);
  const ya = Math.max(0, -y0);
  const yb = Math.min(th, level.height - y0);
  const d = level.data;
  for (let y = ya; y < yb; y++) {
    let p = ((y0 + y) * level.width + x0 + xa) * 3;
    let o = at + y * tw + xa;
    for (let x = xa; x < xb; x++, p += 3, o++) {
      target[o] = d[p]! / 127.5 - 1;
      target[o + plane] = d[p + 1]! / 127.5 - 1;
      target[o + 2 * plane] = d[p + 2]! / 127.5 - 1;
    }
  }
}

export class FaceDetector {
  /** Timings of the last detect() call. */
  timings: DetectTimings = { detect: 0, landmarks: 0, tiles: 0 };

  private constructor(
    private readonly blazeface: ort.InferenceSession,
    private readonly facemesh: ort.InferenceSession,
  ) {}

  /** `threads`: ORT intra-op threads; default leaves one core free (these small graphs gain little from more). */
  static async open({ threads }: { threads?: number } = {}): Promise<FaceDetector> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads ?? Math.min(4, Math.max(1, availableParallelism() - 1)),
    };
    const [b, m] = await Promise.all([
      ort.InferenceSession.create(modelPath('blazeface'), options),
      ort.InferenceSession.create(modelPath('facemesh'), options),
    ]);
    return new FaceDetector(b, m);
  }

  async close(): Promise<void> {
    await Promise.all([this.blazeface.release(), this.facemesh.release()]);
  }

  async detect(image: RgbImage, options: DetectOptions = {}): Promise<Face[]> {
    const minFaceSize = options.minFaceSize ?? 40;
    if (!(minFaceSize >= 8)) throw new RangeError(`minFaceSize must be at least 8 px, got ${minFaceSize}`);
    if (image.data.length !== image.width * image.height * 3) {
      throw new RangeError(`image data holds ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
    }
    const t0 = performance.now();
    const levels = await this.buildPyramid(image, minFaceSize);
    const maxTile = options.maxTile ?? MAX_TILE;
    if (!(maxTile >= BLAZEFACE_SIZE && maxTile % 32 === 0)) throw new RangeError(`maxTile must be a multiple of 32 from ${BLAZEFACE_SIZE}, got ${maxTile}`);
    const { candidates, tiles } = await this.findCandidates(levels, minFaceSize, options.minDetectorScore ?? 0.5, maxTile);
    const t1 = performance.now();
    const best = candidates.slice(0, options.maxCandidates ?? 64);
    const faces = await this.refine(image, levels, best, options.minFaceScore ?? 0.5);
    this.timings = { detect: t1 - t0, landmarks: performance.now() - t1, tiles };
    return faces;
  }

  private async buildPyramid(image: RgbImage, minFaceSize: number): Promise<Level[]> {
    const scales = pyramidScales(image.width, image.height, minFaceSize).reverse(); // finest first
    const levels: Level[] = [];
    let source = image;
    for (const s of scales) {
      const w = Math.max(1, Math.round(image.width * s));
      const h = Math.max(1, Math.round(image.height * s));
      const level = w === image.width && h === image.height ? image : await resizeRgb(source, w, h);
      levels.push({ image: level, sx: w / image.width, sy: h / image.height });
      if (w < source.width) source = level;
    }
    return levels;
  }

  private async findCandidates(levels: Level[], minFaceSize: number, minScore: number, maxTile: number): Promise<{ candidates: Candidate[]; tiles: number }> {
    const found: Candidate[] = [];
    let count = 0;
    for (const level of levels) {
      const across = tileSpan(level.image.width, maxTile);
      const down = tileSpan(level.image.height, maxTile);
      const tw = across.tile;
      const th = down.tile;
      const tiles = down.origins.flatMap((y) => across.origins.map((x) => ({ x, y })));
      count += tiles.length;
      const plane = 3 * tw * th;
      for (let start = 0; start < tiles.length; start += TILE_BATCH) {
        const batch = tiles.slice(start, start + TILE_BATCH);
        const input = new Float32Array(batch.length * plane);
        batch.forEach((t, i) => packTile(level.image, t.x, t.y, tw, th, input, i * plane));
        const out = await this.blazeface.run({ input: new ort.Tensor('float32', input, [batch.length, 3, th, tw]) });
        const [s16, b16, s32, b32] = ['scores_16', 'boxes_16', 'scores_32', 'boxes_32'].map((k) => out[k]!.data as Float32Array);
        batch.forEach((t, i) => {
          for (const d of decodeDetections(s16!, b16!, s32!, b32!, i, minScore, tw, th)) {
            const { sx, sy } = level;
            const toPhoto = (px: number, py: number): Point => [(t.x + px) / sx, (t.y + py) / sy];
            const [cx, cy] = toPhoto(d.cx, d.cy);
            const width = d.width / sx;
            const height = d.height / sy;
            if (width < minFaceSize * 0.6 || width <= 0 || height <= 0) continue;
            found.push({
              box: { x: cx - width / 2, y: cy - height / 2, width, height },
              score: d.score,
              detectorScore: d.score,
              points: d.keypoints.flatMap(([x, y]) => toPhoto(x, y)),
            });
          }
        });
      }
    }
    return { candidates: nonMaxSuppression(found, 0.3, 'weighted'), tiles: count };
  }

  /** The pyramid level (or the photo) with the least resolution that still gives `pixels` across `side`. */
  private sourceFor(image: RgbImage, levels: Level[], side: number, pixels: number): Level {
    const options = [...levels, { image, sx: 1, sy: 1 }].sort((a, b) => a.sx - b.sx);
    return options.find((l) => side * l.sx >= pixels) ?? options[options.length - 1]!;
  }

  private async runMesh(image: RgbImage, levels: Level[], windows: { window: Affine; side: number }[]) {
    const S = FACEMESH_SIZE;
    const plane = S * S;
    const input = new Float32Array(windows.length * 3 * plane);
    windows.forEach(({ window, side }, i) => {
      const level = this.sourceFor(image, levels, side, S);
      const toLevel = composeAffine([level.sx, 0, 0, 0, level.sy, 0], window);
      toPlanar(warpRgb(level.image, toLevel, S, S, 'zero'), plane, 1 / 255, 0, input, i * 3 * plane);
    });
    const out = await this.facemesh.run({ input_1: new ort.Tensor('float32', input, [windows.length, 3, S, S]) });
    return { mesh: out.mesh!.data as Float32Array, flag: out.face_flag!.data as Float32Array };
  }

  private async refine(image: RgbImage, levels: Level[], candidates: Candidate[], minFaceScore: number): Promise<Face[]> {
    if (!candidates.length) return [];
    // Pass 1: crop from the BlazeFace box, rolled by its eye keypoints.
    let crops = candidates.map((c) => {
      const [lx, ly, rx, ry] = c.points;
      const angle = Math.atan2(ry! - ly!, rx! - lx!);
      const side = Math.max(c.box.width, c.box.height);
      return { window: meshWindow([c.box.x + c.box.width / 2, c.box.y + c.box.height / 2], side, angle), side: side * CROP_MARGIN };
    });
    const first = await this.runMesh(image, levels, crops);
    // Pass 2: crop again from the first mesh, which centres and de-rolls the face properly.
    // Candidates FaceMesh clearly rejects (score under a fifth of the bar) are not re-run.
    const stride = first.mesh.length / candidates.length;
    const again = candidates.map((c, i) => ({ c, i })).filter(({ i }) => first.flag[i]! >= minFaceScore / 5);
    if (!again.length) return [];
    crops = again.map(({ i }) => {
      const pts = meshToPhoto(first.mesh, i * stride, crops[i]!.window);
      const angle = eyeAngle(meshLandmarks(pts));
      const { centre, size } = meshExtent(pts, angle);
      return { window: meshWindow(centre, size, angle), side: size * CROP_MARGIN };
    });
    const result = await this.runMesh(image, levels, crops);
    const faces: Face[] = [];
    crops.forEach(({ window }, k) => {
      const score = result.flag[k]!;
      if (!(score >= minFaceScore)) return;
      const pts = meshToPhoto(result.mesh, k * stride, window);
      const landmarks = meshLandmarks(pts);
      const roll = eyeAngle(landmarks);
      faces.push({ box: meshExtent(pts, roll).box, landmarks, score, detectorScore: again[k]!.c.detectorScore, roll: (roll * 180) / Math.PI });
    });
    // Two candidates can converge on one face after refinement, or a part of a big face can
    // pass as a small one.
    return readingOrder(dropDuplicateFaces(faces));
  }
}

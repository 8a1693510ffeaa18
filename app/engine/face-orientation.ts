// Whether a face crop is upside down, judged by the model itself. The face finder reads an
// upside-down face as upright (BlazeFace's keypoints and FaceMesh's fit put the eyes above the
// mouth whatever the face), so the crop it aligns is the face turned half a turn, and an edit
// made on it is nonsense. A Glow trained on upright faces spends more bits on such a crop than
// on the same crop turned back: comparing the two needs no threshold on the bits themselves,
// which vary far more from face to face than between the two turns of one face.
import type { GlowEngine, RunOptions } from './engine.js';

/**
 * A photo looks upside down when its faces' upright margins (below) add up to less than minus
 * this, in bits/dim. Adding them up is the joint evidence of the faces checked, which share
 * the photo's turn: one small face near zero does not decide it. bench/faces/bench-orientation.ts
 * measures, for a model, how well this tells photos turned half a turn from photos as they
 * are, and records it in the bundle's manifest.
 */
export const UPSIDE_DOWN_MARGIN = 0.002;

/** A crop (channels x size x size, planar) turned half a turn: each plane reversed. */
export function turnedHalf(crop: Float32Array, channels: number): Float32Array {
  const plane = crop.length / channels;
  const out = new Float32Array(crop.length);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = crop[c * plane + plane - 1 - i]!;
  }
  return out;
}

/**
 * Faces are checked, largest first, only until their margins add up to this either way: one
 * face of an upright photo mostly decides it (bench-orientation.ts prints the margins), so a
 * photo costs one extra encoder run, not one per face.
 */
export const DECISIVE_MARGIN = 0.01;

export interface FaceCrop {
  /** The aligned crop, channels x size x size in model units. */
  pixels: Float32Array;
  /** The crop's side in photo pixels (AlignedFace.nativeSize): larger faces are checked first. */
  nativeSize: number;
}

export interface CheckedEncoding {
  eps: Float32Array;
  /**
   * Bits/dim of the crop turned half a turn minus bits/dim of the crop: positive when the
   * crop is the right way up. Undefined for a face not checked: the model's check is off
   * (checksOrientation), or the photo's larger faces decided it.
   */
  uprightMargin?: number | undefined;
}

/** The eps of each face of one photo, and, where `check` (by default: the model's check is
 * on), the upright margins of as many of them as decide the photo (measureUprightMargins). */
export function encodePhotoFaces(engine: GlowEngine, faces: readonly FaceCrop[], options: RunOptions = {}, check = checksOrientation(engine)): Promise<CheckedEncoding[]> {
  if (check) return measureUprightMargins(engine, faces, options);
  return Promise.all(faces.map(async (f) => ({ eps: await engine.encode(f.pixels, options) })));
}

/** Each face's eps and bits/dim (the encoder gives both in one run), and, largest face first,
 * the bits/dim of its half turn, until the margins add up to DECISIVE_MARGIN either way (all
 * faces: `decisive` Infinity). The largest face's half turn rides in the same model run as the
 * faces. Needs an encoder that gives bits/dim. */
export async function measureUprightMargins(engine: GlowEngine, faces: readonly FaceCrop[], options: RunOptions = {}, decisive = DECISIVE_MARGIN): Promise<CheckedEncoding[]> {
  const order = faces.map((_, i) => i).sort((a, b) => faces[b]!.nativeSize - faces[a]!.nativeSize);
  const turnedBits = (i: number) => engine.encodeWithDensity(turnedHalf(faces[i]!.pixels, engine.manifest.channels), options).then((r) => r.bitsPerDim);
  const [encoded, firstTurned] = await Promise.all([
    Promise.all(faces.map((f) => engine.encodeWithDensity(f.pixels, options))),
    order.length ? turnedBits(order[0]!) : Promise.resolve(0),
  ]);
  const margins: (number | undefined)[] = faces.map(() => undefined);
  let sum = 0;
  for (const [k, i] of order.entries()) {
    margins[i] = (k === 0 ? firstTurned : await turnedBits(i)) - encoded[i]!.bitsPerDim;
    sum += margins[i]!;
    if (Math.abs(sum) >= decisive) break;
  }
  return encoded.map((e, i) => ({ eps: e.eps, uprightMargin: margins[i] }));
}

/**
 * Whether the check is on for this model: its encoder gives bits/dim, and its manifest records
 * that the check was measured to work with it at UPSIDE_DOWN_MARGIN (bench-orientation.ts
 * --record). An untrained model (the test fixture) has no sense of up and down, and a model
 * whose record was made at another margin must be measured again.
 */
export function checksOrientation(engine: GlowEngine): boolean {
  return engine.measuresDensity && engine.manifest.orientation_check?.margin === UPSIDE_DOWN_MARGIN;
}

/** Whether the photo whose faces have these upright margins looks upside down to the model
 * (those not measured are left out; none measured: no). */
export function looksUpsideDown(uprightMargins: readonly (number | undefined)[]): boolean {
  const measured = uprightMargins.filter((m): m is number => m !== undefined);
  return measured.length > 0 && measured.reduce((sum, m) => sum + m, 0) < -UPSIDE_DOWN_MARGIN;
}

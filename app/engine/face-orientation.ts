// Whether a face crop is upside down, judged by the model itself. The face finder reads an
// upside-down face as upright (BlazeFace's keypoints and FaceMesh's fit put the eyes above the
// mouth whatever the face), so the crop it aligns is the face turned half a turn, and an edit
// made on it is nonsense. A Glow trained on upright faces spends more bits on such a crop than
// on the same crop turned back: comparing the two needs no threshold on the bits themselves,
// which vary far more from face to face than between the two turns of one face.
import type { GlowEngine, RunOptions } from './engine.js';

/**
 * A photo looks upside down when its faces' upright margins (below) add up to less than minus
 * this, in bits/dim. Adding them up is the joint evidence of all the faces, which share the
 * photo's turn: one small face near zero does not decide it, and a group photo is judged
 * surely. bench/faces/bench-orientation.ts measures, for a model, how well this tells photos
 * turned half a turn from photos as they are, and records it in the bundle's manifest.
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

export interface CheckedEncoding {
  eps: Float32Array;
  /**
   * Bits/dim of the crop turned half a turn minus bits/dim of the crop: positive when the
   * crop is the right way up. Undefined where the model's check is off (checksOrientation).
   */
  uprightMargin?: number | undefined;
}

/** The crop's eps and bits/dim, and its half turn's bits/dim (one model run holds both: the
 * engine batches requests made together). Needs an encoder that gives bits/dim. */
export async function measureUprightMargin(engine: GlowEngine, crop: Float32Array, options: RunOptions = {}): Promise<Required<CheckedEncoding>> {
  const [asFound, turned] = await Promise.all([
    engine.encodeWithDensity(crop, options),
    engine.encodeWithDensity(turnedHalf(crop, engine.manifest.channels), options),
  ]);
  return { eps: asFound.eps, uprightMargin: turned.bitsPerDim - asFound.bitsPerDim };
}

/** The crop's eps, and how much more upright it looks than its half turn where the model's
 * check is on (checksOrientation). */
export async function encodeCheckingOrientation(engine: GlowEngine, crop: Float32Array, options: RunOptions = {}): Promise<CheckedEncoding> {
  return checksOrientation(engine) ? measureUprightMargin(engine, crop, options) : { eps: await engine.encode(crop, options) };
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

// A preview of a face while its slider is dragged, made from the exact renders already on
// hand: the model's decoder is the floor of an exact repaint (about 50 ms on two cores, far
// more while the UI is busy), so between exact renders the canvas shows the pixels linearly
// interpolated, or extrapolated a short way, along the dragged slider. The exact render for
// the latest value always follows and replaces it.
//
// Pure (no DOM): pixels are RGBA arrays of one face's patch, already composed over the photo.
import type { Recipe } from '../../../app/api/contract.js';

/** An exact render of one face: its recipe and the patch composed over the photo (opaque). */
export interface PatchSample {
  recipe: Recipe;
  pixels: Uint8ClampedArray;
  strength: number;
}

/** How far (in slider units) a preview may reach beyond the nearest exact render. */
export const MAX_EXTRAPOLATION = 0.75;
/** The widest gap between two exact renders that a preview interpolates across. */
export const MAX_INTERPOLATION_GAP = 1;

/** The pixels at `target` as `from + t * (to - from)`; t outside [0, 1] extrapolates. */
export interface PreviewPlan<S extends PatchSample = PatchSample> {
  from: S;
  to: S;
  t: number;
  /** `from` is a render of the target recipe itself. */
  exact: boolean;
}

const value = (r: Recipe, name: string) => r.sliders[name] ?? 0;

/** The one slider where `a` and `b` differ, '' when they are the same, null when they
 * differ in more (or in the mix). */
function differingSlider(a: Recipe, b: Recipe): string | null {
  if (JSON.stringify(a.mix ?? null) !== JSON.stringify(b.mix ?? null)) return null;
  let found = '';
  for (const name of new Set([...Object.keys(a.sliders), ...Object.keys(b.sliders)])) {
    if (value(a, name) === value(b, name)) continue;
    if (found) return null;
    found = name;
  }
  return found;
}

/**
 * How to preview `target` from `samples`: the sample itself when one matches, else two
 * samples that differ from it only along one slider (bracketing it, or the two nearest on
 * one side within MAX_EXTRAPOLATION). Null when no preview would be trustworthy.
 */
export function planPreview<S extends PatchSample>(target: Recipe, samples: readonly S[]): PreviewPlan<S> | null {
  const bySlider = new Map<string, S[]>();
  for (const s of samples) {
    const name = differingSlider(target, s.recipe);
    if (name === '') return { from: s, to: s, t: 0, exact: true };
    if (name === null) continue;
    bySlider.set(name, [...(bySlider.get(name) ?? []), s]);
  }
  let best: { plan: PreviewPlan<S>; reach: number } | null = null;
  for (const [name, group] of bySlider) {
    // Where the model backed off (decodeEdit), a render at strength s shows s times its edit.
    // With this the only slider moved, that is the same line: place each render at its
    // edit's real size, and the target at the strength of the render nearest to it.
    // Otherwise renders at different strengths do not lie on one line and are not blended.
    const solo = !target.mix && Object.entries(target.sliders).every(([k, v]) => k === name || v === 0);
    const nearest = group.reduce((x, y) => (Math.abs(value(y.recipe, name) - value(target, name)) < Math.abs(value(x.recipe, name) - value(target, name)) ? y : x));
    const at = (s: PatchSample) => value(s.recipe, name) * (solo ? s.strength : 1);
    const v = at({ ...nearest, recipe: target });
    // Past the model's limit the studio renders the largest edit it knows to decode
    // (decodeEdit), so further out the face stays as the nearest render shows it.
    const further = Math.sign(value(target, name)) === Math.sign(value(nearest.recipe, name)) && Math.abs(value(target, name)) >= Math.abs(value(nearest.recipe, name));
    if (solo && nearest.strength < 1 && further) return { from: nearest, to: nearest, t: 0, exact: false };
    // Nearest first, one render per place.
    const side = (keep: (x: number) => boolean, order: number) =>
      group
        .filter((s) => keep(at(s)))
        .sort((x, y) => order * (at(x) - at(y)))
        .filter((s, i, all) => i === 0 || at(s) !== at(all[i - 1]!));
    const below = side((x) => x < v, -1);
    const above = side((x) => x > v, 1);
    const usable = (x?: S, y?: S): x is S => !!x && !!y && (solo || x.strength === y.strength);
    // Near the model's limit its renders start to show blotches, which extrapolation would
    // magnify: extrapolate only from renders it could make in full.
    const full = (x?: S, y?: S): x is S => usable(x, y) && x.strength === 1 && y!.strength === 1;
    let pair: [S, S] | undefined;
    if (usable(below[0], above[0]) && at(above[0]!) - at(below[0]) <= MAX_INTERPOLATION_GAP) pair = [below[0], above[0]!];
    else if (full(below[1], below[0]) && v - at(below[0]!) <= MAX_EXTRAPOLATION) pair = [below[1], below[0]!];
    else if (full(above[1], above[0]) && at(above[0]!) - v <= MAX_EXTRAPOLATION) pair = [above[1], above[0]!];
    if (!pair) continue;
    const [from, to] = pair;
    const reach = Math.min(Math.abs(v - at(from)), Math.abs(v - at(to)));
    const plan = { from, to, t: (v - at(from)) / (at(to) - at(from)), exact: false };
    if (!best || reach < best.reach) best = { plan, reach };
  }
  return best?.plan ?? null;
}

/**
 * Writes the planned preview into `out` (RGBA, the patch's size): the blended colour where
 * it differs from the photo (`original`, on white, with its alpha), as opaque as the photo
 * there, and transparent where it does not, so that outside the edit the canvas keeps
 * showing the photo itself.
 */
export function blendPreview(plan: PreviewPlan, original: Uint8ClampedArray, out: Uint8ClampedArray): void {
  const a = plan.from.pixels;
  const b = plan.to.pixels;
  const t = plan.t;
  for (let i = 0; i < out.length; i += 4) {
    let changed = false;
    for (let c = 0; c < 3; c++) {
      const v = a[i + c]! + t * (b[i + c]! - a[i + c]!);
      out[i + c] = v; // Uint8ClampedArray clamps and rounds
      if (out[i + c] !== original[i + c]) changed = true;
    }
    out[i + 3] = changed ? original[i + 3]! : 0;
  }
}

/** RGBA with its colours composited on white, as the studio gives the model a photo with
 * transparency (imaging/decode.ts): the photo under a patch as the patch's colours were made
 * from it. The alpha stays. In place; returns it. */
export function onWhite(rgba: Uint8ClampedArray): Uint8ClampedArray {
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]!;
    if (a === 255) continue;
    for (let c = 0; c < 3; c++) rgba[i + c] = Math.round((rgba[i + c]! * a + 255 * (255 - a)) / 255);
  }
  return rgba;
}

/** An exact patch (transparent where the photo is unchanged) composed over the photo. */
export function composeOver(patch: Uint8ClampedArray, original: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(patch.length);
  for (let i = 0; i < patch.length; i += 4) {
    const src = patch[i + 3]! > 0 ? patch : original;
    out[i] = src[i]!;
    out[i + 1] = src[i + 1]!;
    out[i + 2] = src[i + 2]!;
    out[i + 3] = 255;
  }
  return out;
}

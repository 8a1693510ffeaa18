// The user's brush mask: strokes painted in the editor, in photo pixels, that take the edit
// back where they paint. The editor draws them with Konva (round caps and joins); export
// rasterises the same strokes as SVG, so the file matches what the editor showed.
import sharp from 'sharp';
import type { MaskStroke } from '../api/contract.js';
import type { RgbImage } from '../imaging/decode.js';

/** 0..255 per pixel of a width x height photo: 255 where the strokes paint, anti-aliased at the edges. */
export async function rasterizeMask(strokes: readonly MaskStroke[], width: number, height: number): Promise<Uint8Array> {
  const lines = strokes.map((s) => {
    const points = s.points.length === 2 ? [...s.points, ...s.points] : s.points; // a dot
    return `<polyline points="${points.join(' ')}" fill="none" stroke="#fff" stroke-width="${s.size}" stroke-linecap="round" stroke-linejoin="round"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="${width}" height="${height}" fill="#000"/>${lines.join('')}</svg>`;
  const { data } = await sharp(Buffer.from(svg), { limitInputPixels: false }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Puts `original`'s pixels back into `edited` (in place) where the strokes paint. */
export async function restoreMasked(edited: RgbImage, original: Uint8Array, strokes: readonly MaskStroke[]): Promise<void> {
  if (!strokes.length) return;
  if (original.length !== edited.data.length) throw new RangeError(`mask: the original has ${original.length} values, the edited photo ${edited.data.length}`);
  const alpha = await rasterizeMask(strokes, edited.width, edited.height);
  const out = edited.data;
  for (let p = 0, i = 0; p < alpha.length; p++, i += 3) {
    const a = alpha[p]!;
    if (a === 0) continue;
    for (let c = i; c < i + 3; c++) out[c] = Math.round(out[c]! + ((original[c]! - out[c]!) * a) / 255);
  }
}

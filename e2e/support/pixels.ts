// Pixel comparison of two screenshots of the same element, by region.
import sharp from 'sharp';

export interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export async function decodePng(png: Buffer): Promise<Raw> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function inside(r: Rect, x: number, y: number): boolean {
  return x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
}

/**
 * Mean and max absolute channel difference over pixels where `keep(x, y)` is true, and the
 * share of those pixels that differ by more than 2 in some channel.
 */
export function difference(a: Raw, b: Raw, keep: (x: number, y: number) => boolean): { mean: number; max: number; pixels: number; changed: number } {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`screenshots differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  let max = 0;
  let pixels = 0;
  let changed = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!keep(x, y)) continue;
      const i = (y * a.width + x) * 3;
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(a.data[i + c]! - b.data[i + c]!);
        sum += d;
        if (d > worst) worst = d;
      }
      if (worst > max) max = worst;
      if (worst > 2) changed++;
      pixels++;
    }
  }
  return { mean: pixels ? sum / (pixels * 3) : 0, max, pixels, changed: pixels ? changed / pixels : 0 };
}

export const within = (r: Rect) => (x: number, y: number) => inside(r, x, y);
export const outside = (r: Rect) => (x: number, y: number) => !inside(r, x, y);

/** Shrinks (positive) or grows (negative) a rectangle on every side. */
export function inset(r: Rect, by: number): Rect {
  return { x: r.x + by, y: r.y + by, width: r.width - 2 * by, height: r.height - 2 * by };
}

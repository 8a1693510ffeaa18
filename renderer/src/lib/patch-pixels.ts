// Between images and pixel arrays in the browser: a face patch's pixels, the photo's pixels
// under it, and a canvas holding pixels for konva to draw.
import type { Box } from '../../../app/api/contract.js';

/** The image at `src`, decoded; a failure says why, as the studio answered (the file went, say). */
export async function loadImage(src: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = src;
  try {
    await img.decode();
  } catch {
    throw new Error(await whyNotShown(src));
  }
  return img;
}

/** The studio's reason for not serving `src` (its JSON { error }, or the HTTP status). */
async function whyNotShown(src: string): Promise<string> {
  try {
    const res = await fetch(src);
    if (res.ok) return 'the image cannot be decoded';
    const text = await res.text();
    try {
      return (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      return text.trim() || `HTTP ${res.status}`;
    }
  } catch (err) {
    return `the image cannot be loaded (${(err as Error).message})`;
  }
}

/** The RGBA pixels of `box` in `image` (the whole image when box is at 0,0 with its size). */
export function pixelsOf(image: CanvasImageSource, box: Box): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = box.width;
  canvas.height = box.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(image, box.x, box.y, box.width, box.height, 0, 0, box.width, box.height);
  return ctx.getImageData(0, 0, box.width, box.height).data;
}

export function canvasOf(pixels: Uint8ClampedArray, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

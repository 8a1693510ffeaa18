// Between images and pixel arrays in the browser: a face patch's pixels, the photo's pixels
// under it, and a canvas holding pixels for konva to draw.
import type { Box } from '../../../app/api/contract.js';

export async function loadImage(src: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = src;
  await img.decode();
  return img;
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

/** RGBA with its colours composited on white, as the studio gives the model a photo with
 * transparency (imaging/decode.ts); the alpha stays. In place; returns it. */
export function onWhite(rgba: Uint8ClampedArray): Uint8ClampedArray {
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]!;
    if (a === 255) continue;
    for (let c = 0; c < 3; c++) rgba[i + c] = Math.round((rgba[i + c]! * a + 255 * (255 - a)) / 255);
  }
  return rgba;
}

export function canvasOf(pixels: Uint8ClampedArray, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

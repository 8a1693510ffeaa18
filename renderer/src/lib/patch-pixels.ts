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

export function canvasOf(pixels: Uint8ClampedArray, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

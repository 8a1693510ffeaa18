// Conversion between 8-bit RGB pixels (height x width x 3, interleaved, as sharp gives them)
// and the model's planar float layout (3 x S x S). The pixel encoding is the bundle's:
// x = (p + 0.5) / 256 - 0.5, the centre of each 8-bit bin.

export function pixelsToModel(rgb: Uint8Array, size: number, channels = 3): Float32Array {
  const plane = size * size;
  if (rgb.length !== plane * channels) {
    throw new RangeError(`expected ${size}x${size}x${channels} pixels (${plane * channels} bytes), got ${rgb.length}`);
  }
  const out = new Float32Array(plane * channels);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) out[c * plane + i] = (rgb[i * channels + c]! + 0.5) / 256 - 0.5;
  }
  return out;
}

export function modelToPixels(x: Float32Array, size: number, channels = 3): Uint8Array {
  const plane = size * size;
  if (x.length !== plane * channels) {
    throw new RangeError(`expected ${channels}x${size}x${size} values, got ${x.length}`);
  }
  const out = new Uint8Array(plane * channels);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) {
      const p = Math.round((x[c * plane + i]! + 0.5) * 256 - 0.5);
      out[i * channels + c] = p < 0 ? 0 : p > 255 ? 255 : p;
    }
  }
  return out;
}

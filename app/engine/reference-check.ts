// Compares a bundle, run by onnxruntime, with PyTorch's own outputs on the same inputs: the
// folder models/evaluate.py and models/make_fixture.py write (input.bin, eps.bin,
// decoded.bin, and bits.bin where the exporter gives the encoder's bits/dim: float32
// little-endian, row-major; meta.json: their shapes).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GlowEngine } from './engine.js';

export interface ReferenceCheck {
  images: number;
  encoderMaxError: number;
  decoderMaxError: number;
  /** Largest difference of the encoder's bits/dim, where both the reference and the model have it. */
  densityMaxError?: number;
}

async function readF32(dir: string, name: string): Promise<Float32Array> {
  const buf = await readFile(join(dir, `${name}.bin`));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export interface Reference {
  images: number;
  /** One input image's shape from meta.json, [channels, height, width]. */
  imageShape: number[];
  input: Float32Array;
  eps: Float32Array;
  decoded: Float32Array;
  /** PyTorch's bits/dim of each input, in references written since the encoder gives it. */
  bits?: Float32Array | undefined;
}

export async function readReference(dir: string): Promise<Reference> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { input: number[] };
  const [input, eps, decoded] = await Promise.all(['input', 'eps', 'decoded'].map((name) => readF32(dir, name)));
  const bits = await readF32(dir, 'bits').catch(() => undefined);
  return { images: meta.input[0]!, imageShape: meta.input.slice(1), input: input!, eps: eps!, decoded: decoded!, bits };
}

/** Why a reference cannot be compared with this model (it was written for another one); undefined when it fits. */
export function referenceMismatch(ref: Reference, m: { model_id: string; image_size: number; channels: number; eps_size: number }): string | undefined {
  const perImage = m.channels * m.image_size * m.image_size;
  const fits = (a: Float32Array, n: number) => a.length === ref.images * n;
  if (ref.imageShape.join('x') === `${m.channels}x${m.image_size}x${m.image_size}` && fits(ref.input, perImage) && fits(ref.decoded, perImage) && fits(ref.eps, m.eps_size)) {
    return undefined;
  }
  return `its images are ${ref.imageShape.join('x')} (${ref.input.length / ref.images} values each), but model ${m.model_id} takes ${m.channels}x${m.image_size}x${m.image_size}: it was written for another model; use the reference folder made for this bundle`;
}

/** Encodes the reference inputs and decodes the reference eps one image at a time. */
export async function checkAgainstReference(engine: GlowEngine, { images: n, input, eps, decoded, bits }: Reference): Promise<ReferenceCheck> {
  const perImage = input.length / n;
  const perEps = eps.length / n;
  const withDensity = bits !== undefined && engine.measuresDensity;
  let encoderMaxError = 0;
  let decoderMaxError = 0;
  let densityMaxError = 0;
  for (let i = 0; i < n; i++) {
    const torchEps = eps.slice(i * perEps, (i + 1) * perEps);
    const image = input.slice(i * perImage, (i + 1) * perImage);
    const encoded = withDensity ? await engine.encodeWithDensity(image) : { eps: await engine.encode(image), bitsPerDim: NaN };
    encoderMaxError = Math.max(encoderMaxError, maxAbsDiff(encoded.eps, torchEps));
    if (withDensity) densityMaxError = Math.max(densityMaxError, Math.abs(encoded.bitsPerDim - bits[i]!));
    decoderMaxError = Math.max(decoderMaxError, maxAbsDiff(await engine.decode(torchEps), decoded.slice(i * perImage, (i + 1) * perImage)));
  }
  return { images: n, encoderMaxError, decoderMaxError, ...(withDensity ? { densityMaxError } : {}) };
}

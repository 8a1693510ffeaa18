// The engine commands: info, sample, encode, decode, roundtrip, mix, and the demo.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultBundleDir } from '../engine/default-bundle.js';
import { GlowEngine } from '../engine/engine.js';
import { DEVICE_SETTINGS, type DeviceSetting } from '../engine/execution-provider.js';
import { mix, sample, seededRandom } from '../engine/latent.js';
import { modelToPixels, pixelsToModel } from '../engine/pixels.js';
import { checkAgainstReference, maxAbsDiff, readReference, referenceMismatch, type ReferenceCheck } from '../engine/reference-check.js';
import { readSquareRgb, writeGridPng } from '../imaging/image-files.js';
import { ensureParent, InputError, numberFlag, parse, positionals, requireOut, UsageError, type Command } from './args.js';
import { progressBar } from './progress.js';

/** The --device flag's value, checked. */
export function deviceFlag(value: string): DeviceSetting {
  if (!DEVICE_SETTINGS.includes(value as DeviceSetting)) throw new UsageError(`--device must be one of ${DEVICE_SETTINGS.join(', ')}, got '${value}'`);
  return value as DeviceSetting;
}

/** Says on stderr which model runs, and where. */
export function announceEngine(engine: GlowEngine): GlowEngine {
  const m = engine.manifest;
  const note = engine.fallbackReason ? ` (${engine.fallbackReason})` : '';
  console.error(`model ${m.model_id} ${m.image_size}x${m.image_size} on ${engine.provider.toUpperCase()}${note}`);
  return engine;
}

export async function openEngine(values: { bundle?: string | undefined; device?: string | undefined }, bundleArg?: string) {
  const device = deviceFlag(values.device ?? 'auto');
  return announceEngine(await GlowEngine.open(bundleArg ?? values.bundle ?? defaultBundleDir(), { device }));
}

/** Runs `work` with the engine the command's flags choose, closing it whatever happens. */
async function withEngine(
  values: { bundle?: string | undefined; device?: string | undefined },
  work: (engine: GlowEngine) => Promise<void>,
  bundleArg?: string,
): Promise<void> {
  const engine = await openEngine(values, bundleArg);
  try {
    await work(engine);
  } finally {
    await engine.close();
  }
}

/** An aligned face image file -> its eps. */
async function encodeFile(engine: GlowEngine, file: string): Promise<Float32Array> {
  const size = engine.manifest.image_size;
  return engine.encode(pixelsToModel(await readSquareRgb(resolve(file), size), size));
}

async function readEps(file: string, size: number): Promise<Float32Array> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if (buf.length !== size * 4) {
    throw new InputError(`${file}: holds ${buf.length} bytes; a latent for this model is ${size} float32 values (${size * 4} bytes)`);
  }
  const eps = new Float32Array(size);
  for (let i = 0; i < size; i++) eps[i] = buf.readFloatLE(i * 4);
  return eps;
}

function epsToBytes(eps: Float32Array): Buffer {
  const buf = Buffer.alloc(eps.length * 4);
  eps.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf;
}


function viewScale(size: number): number {
  return Math.max(1, Math.round(128 / size));
}

// -- commands -------------------------------------------------------------------------------

async function info(args: string[]) {
  const { values, positionals: pos } = parse(args, { json: { type: 'boolean' }, reference: { type: 'string' } });
  if (pos.length > 1) throw new UsageError(`info takes at most one bundle folder, got ${pos.join(' ')}`);
  await withEngine(values, async (engine) => {
    const m = engine.manifest;
    const dir = values.reference;
    const saved = dir
      ? await readReference(dir).catch((err: Error) => {
          throw new InputError(`${dir}: not a PyTorch reference folder (${err.message})`);
        })
      : undefined;
    const mismatch = saved && referenceMismatch(saved, m);
    if (mismatch) throw new InputError(`${dir}: ${mismatch}`);
    // A face the model itself drew, as 8-bit pixels: random noise is so far from any face
    // that a trained model need not decode it back.
    const face = await engine.decode(sample(m.eps_size, 0.7, seededRandom(1)));
    const image = pixelsToModel(modelToPixels(face, m.image_size), m.image_size);
    const t0 = performance.now();
    const eps = await engine.encode(image);
    const back = await engine.decode(eps);
    const ms = performance.now() - t0;
    const reference: ReferenceCheck | null = saved ? await checkAgainstReference(engine, saved) : null;
    const report = {
      bundle: engine.bundle.dir,
      model_id: m.model_id,
      image_size: m.image_size,
      n_bits: m.n_bits,
      eps_size: m.eps_size,
      levels: m.levels.map((l) => l.shape.join('x')),
      provider: engine.provider,
      fallback_reason: engine.fallbackReason ?? null,
      self_test_max_error: maxAbsDiff(image, back),
      self_test_ms: Math.round(ms),
      onnx_vs_pytorch: reference,
      metrics: m.metrics ?? {},
      training: m.training ?? null,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`bundle        ${report.bundle}`);
      console.log(`model         ${report.model_id} (${m.image_size}x${m.image_size}, ${m.n_bits}-bit, eps ${m.eps_size})`);
      console.log(`levels        ${report.levels.join(', ')}`);
      console.log(`device        ${engine.provider.toUpperCase()}${engine.fallbackReason ? ` (${engine.fallbackReason})` : ''}`);
      console.log(`self-test     round-trip max error ${report.self_test_max_error.toExponential(2)} in ${report.self_test_ms} ms`);
      if (reference) {
        console.log(
          `vs PyTorch    ${reference.images} faces: encoder max error ${reference.encoderMaxError.toExponential(2)}, decoder ${reference.decoderMaxError.toExponential(2)}${reference.densityMaxError !== undefined ? `, bits/dim ${reference.densityMaxError.toExponential(2)}` : ''}`,
        );
      }
      for (const [k, v] of Object.entries(report.metrics)) console.log(`metric        ${k} = ${JSON.stringify(v)}`);
    }
  }, pos[0]);
}

async function sampleCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, {
    out: { type: 'string' },
    count: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    columns: { type: 'string' },
  });
  if (pos.length) throw new UsageError(`sample takes no positional arguments, got ${pos.join(' ')}`);
  const out = requireOut(values.out, 'sample');
  const count = numberFlag('count', values.count, 16, 1, 1024, true);
  const temperature = numberFlag('temperature', values.temperature, 0.7, 0, 2);
  const seed = numberFlag('seed', values.seed, Date.now() % 2 ** 31, 0, 2 ** 31 - 1, true);
  const columns = numberFlag('columns', values.columns, Math.ceil(Math.sqrt(count)), 1, 64, true);
  await withEngine(values, async (engine) => {
    const tiles = await sampleFaces(engine, count, temperature, seed);
    await ensureParent(out);
    await writeGridPng(out, tiles, engine.manifest.image_size, columns, { scale: viewScale(engine.manifest.image_size) });
    console.log(`wrote ${count} samples at temperature ${temperature} (seed ${seed}) to ${out}`);
  });
}

async function sampleFaces(engine: GlowEngine, count: number, temperature: number, seed: number): Promise<Uint8Array[]> {
  const m = engine.manifest;
  const random = seededRandom(seed);
  const bar = progressBar('sampling', count);
  const latents = Array.from({ length: count }, () => sample(m.eps_size, temperature, random));
  return Promise.all(
    latents.map(async (eps) => {
      const image = await engine.decode(eps);
      bar.tick();
      return modelToPixels(image, m.image_size, m.channels);
    }),
  ).finally(() => bar.done());
}

async function encodeCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { out: { type: 'string' } });
  const [file] = positionals(pos, 1, 'one aligned face image');
  const out = requireOut(values.out, 'encode');
  await withEngine(values, async (engine) => {
    const eps = await encodeFile(engine, file!);
    await ensureParent(out);
    await writeFile(out, epsToBytes(eps));
    console.log(`wrote eps (${eps.length} float32 values) to ${out}`);
  });
}

async function decodeCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { out: { type: 'string' } });
  const [file] = positionals(pos, 1, 'one eps.bin file');
  const out = requireOut(values.out, 'decode');
  await withEngine(values, async (engine) => {
    const m = engine.manifest;
    const eps = await readEps(resolve(file!), m.eps_size);
    const image = await engine.decode(eps);
    await ensureParent(out);
    await writeGridPng(out, [modelToPixels(image, m.image_size)], m.image_size, 1, { gap: 0 });
    console.log(`wrote ${m.image_size}x${m.image_size} image to ${out}`);
  });
}

async function roundtripCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, { out: { type: 'string' } });
  const [file] = positionals(pos, 1, 'one aligned face image');
  await withEngine(values, async (engine) => {
    const m = engine.manifest;
    const pixels = await readSquareRgb(resolve(file!), m.image_size);
    const x = pixelsToModel(pixels, m.image_size);
    const back = await engine.decode(await engine.encode(x));
    const backPixels = modelToPixels(back, m.image_size);
    let pixelDiff = 0;
    backPixels.forEach((p, i) => (pixelDiff = Math.max(pixelDiff, Math.abs(p - pixels[i]!))));
    console.log(`round-trip max error ${maxAbsDiff(x, back).toExponential(2)} (model units), ${pixelDiff} (8-bit pixel levels)`);
    if (values.out) {
      const out = resolve(values.out);
      await ensureParent(out);
      await writeGridPng(out, [pixels, backPixels], m.image_size, 2, { scale: viewScale(m.image_size) });
      console.log(`wrote original | reconstruction to ${out}`);
    }
  });
}

function parseWeights(text: string | undefined, levels: number): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== levels || parts.some((w) => !Number.isFinite(w) || w < 0 || w > 1)) {
    throw new UsageError(`--weights needs ${levels} comma-separated numbers in [0, 1] (finest level first), got '${text}'`);
  }
  return parts;
}

async function mixCommand(args: string[]) {
  const { values, positionals: pos } = parse(args, {
    out: { type: 'string' },
    steps: { type: 'string' },
    weights: { type: 'string' },
  });
  const [a, b] = positionals(pos, 2, 'two aligned face images');
  const out = requireOut(values.out, 'mix');
  const steps = numberFlag('steps', values.steps, 8, 2, 64, true);
  await withEngine(values, async (engine) => {
    const m = engine.manifest;
    const weights = parseWeights(values.weights, m.levels.length) ?? m.levels.map(() => 1);
    const [epsA, epsB] = await Promise.all(
      [a!, b!].map((f) => encodeFile(engine, f)),
    );
    const tiles = await mixStrip(engine, epsA!, epsB!, steps, weights);
    await ensureParent(out);
    await writeGridPng(out, tiles, m.image_size, steps, { scale: viewScale(m.image_size) });
    console.log(`wrote a ${steps}-step mix strip to ${out}`);
  });
}

async function mixStrip(engine: GlowEngine, a: Float32Array, b: Float32Array, steps: number, weights: number[]) {
  const m = engine.manifest;
  const bar = progressBar('mixing', steps);
  try {
    return await Promise.all(
      Array.from({ length: steps }, async (_, i) => {
        const t = i / (steps - 1);
        const image = await engine.decode(mix(a, b, weights.map((w) => w * t), m.levels));
        bar.tick();
        return modelToPixels(image, m.image_size);
      }),
    );
  } finally {
    bar.done();
  }
}

async function demo(args: string[]) {
  const { values, positionals: pos } = parse(args, { out: { type: 'string' } });
  if (pos.length) throw new UsageError(`demo takes no positional arguments, got ${pos.join(' ')}`);
  const outDir = resolve(values.out ?? 'glow-studio-demo');
  await withEngine(values, async (engine) => {
    const m = engine.manifest;
    await mkdir(outDir, { recursive: true });
    const faces = await sampleFaces(engine, 16, 0.7, 7);
    const samplesPng = join(outDir, 'samples.png');
    await writeGridPng(samplesPng, faces, m.image_size, 4, { scale: viewScale(m.image_size) });
    console.log(`1/3 sixteen new faces at temperature 0.7: ${samplesPng}`);

    // Round trip: encode the sampled faces as if they were photos, decode them again.
    const xs = faces.map((f) => pixelsToModel(f, m.image_size));
    const latents = await Promise.all(xs.map((x) => engine.encode(x)));
    const backs = await Promise.all(latents.map((e) => engine.decode(e)));
    const worst = Math.max(...xs.map((x, i) => maxAbsDiff(x, backs[i]!)));
    const roundtripPng = join(outDir, 'roundtrip.png');
    await writeGridPng(roundtripPng, [faces[0]!, modelToPixels(backs[0]!, m.image_size)], m.image_size, 2, {
      scale: viewScale(m.image_size),
    });
    console.log(`2/3 exact encoding: round-trip max error ${worst.toExponential(2)} over 16 faces: ${roundtripPng}`);

    const strip = await mixStrip(engine, latents[0]!, latents[1]!, 8, m.levels.map(() => 1));
    const mixPng = join(outDir, 'mix.png');
    await writeGridPng(mixPng, strip, m.image_size, 8, { scale: viewScale(m.image_size) });
    console.log(`3/3 face mix, 8 steps from face 1 to face 2: ${mixPng}`);
    if (m.model_id.startsWith('fixture')) {
      console.log('note: this is the random-weight test fixture, so the faces are noise; train or install face-64 for real faces.');
    }
  });
}

export const engineCommands: Record<string, Command> = {
  info,
  sample: sampleCommand,
  encode: encodeCommand,
  decode: decodeCommand,
  roundtrip: roundtripCommand,
  mix: mixCommand,
  demo,
};

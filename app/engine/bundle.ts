// A model bundle on disk: manifest.json + encoder.onnx + decoder.onnx (+ optional files such
// as attributes.json). Loading validates everything a session would otherwise trip over
// later, and every error names the file and what is wrong with it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const BUNDLE_FORMAT = 'glow-studio-bundle';
export const SUPPORTED_FORMAT_VERSIONS = [1];

export class BundleError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'BundleError';
  }
}

const fileEntry = z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

const manifestSchema = z.object({
  format: z.string(),
  format_version: z.number().int(),
  model_id: z.string().min(1),
  image_size: z.number().int().positive(),
  channels: z.number().int().positive(),
  n_bits: z.number().int().min(1).max(8),
  eps_size: z.number().int().positive(),
  levels: z
    .array(
      z.object({
        level: z.number().int().nonnegative(),
        shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
        offset: z.number().int().nonnegative(),
        size: z.number().int().positive(),
      }),
    )
    .min(1),
  files: z.object({ encoder: fileEntry, decoder: fileEntry }).catchall(fileEntry),
  architecture: z.record(z.string(), z.unknown()).optional(),
  training: z.record(z.string(), z.unknown()).nullable().optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  /** The model's check that a face crop is not upside down, measured to work at this margin
   * (bench/faces/bench-orientation.ts --record; engine/face-orientation.ts), with its figures. */
  orientation_check: z.looseObject({ margin: z.number().positive() }).optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type LatentLevel = Manifest['levels'][number];

export interface Bundle {
  dir: string;
  manifest: Manifest;
  encoderPath: string;
  decoderPath: string;
  /** Path of an optional extra file listed in the manifest (e.g. 'attributes'), if any. */
  extraPath(role: string): string | undefined;
  /** The identity of the model's latent space: its id and a digest of the files that compute
   * it. The library stores latents, derived attributes and batch jobs under it, so a retrained
   * model that keeps its id (face-64 retrained on a GPU) is never mixed with the old one. */
  latentKey: string;
}

/** The files whose contents define encode and decode; the others (attributes, model card)
 * can change without changing a latent. */
const NETWORK_ROLES = ['encoder', 'decoder', 'weights'];

export function latentKey(m: Manifest): string {
  const digest = createHash('sha256');
  for (const role of NETWORK_ROLES) digest.update(`${role}:${m.files[role]?.sha256 ?? ''}\n`);
  return `${m.model_id}@${digest.digest('hex').slice(0, 12)}`;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  return `field '${where}': ${issue.message}`;
}

function checkLayout(m: Manifest, file: string): void {
  const expected = m.channels * m.image_size * m.image_size;
  if (m.eps_size !== expected) {
    throw new BundleError(file, `eps_size ${m.eps_size} should be channels*image_size^2 = ${expected}`);
  }
  let offset = 0;
  for (const lvl of m.levels) {
    const [c, h, w] = lvl.shape;
    if (lvl.offset !== offset || lvl.size !== c * h * w) {
      throw new BundleError(file, `level ${lvl.level} has offset ${lvl.offset} / size ${lvl.size}, expected ${offset} / ${c * h * w}`);
    }
    offset += lvl.size;
  }
  if (offset !== m.eps_size) {
    throw new BundleError(file, `levels cover ${offset} values but eps_size is ${m.eps_size}`);
  }
}

/** Reads and validates a bundle folder. Pass verifyHashes=false only where the bundle was
 * verified moments ago (the inference worker re-opening it). */
export async function loadBundle(dirArg: string, { verifyHashes = true } = {}): Promise<Bundle> {
  const dir = resolve(dirArg);
  const manifestPath = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found (is this a model bundle folder?)' : `cannot be read (${code})`;
    throw new BundleError(manifestPath, why);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BundleError(manifestPath, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BundleError(manifestPath, parsed.error.issues.map(describeZodIssue).join('; '));
  }
  const manifest = parsed.data;
  if (manifest.format !== BUNDLE_FORMAT) {
    throw new BundleError(manifestPath, `format is '${manifest.format}', expected '${BUNDLE_FORMAT}'`);
  }
  if (!SUPPORTED_FORMAT_VERSIONS.includes(manifest.format_version)) {
    throw new BundleError(
      manifestPath,
      `format_version ${manifest.format_version} is not supported by this studio (supports ${SUPPORTED_FORMAT_VERSIONS.join(', ')})`,
    );
  }
  checkLayout(manifest, manifestPath);

  for (const [role, entry] of Object.entries(manifest.files)) {
    const path = resolve(dir, entry.path);
    if (!path.startsWith(dir)) throw new BundleError(manifestPath, `files.${role}.path '${entry.path}' leaves the bundle folder`);
    try {
      await stat(path);
    } catch {
      throw new BundleError(path, `missing (listed as files.${role} in manifest.json)`);
    }
    if (verifyHashes) {
      const actual = await sha256(path);
      if (actual !== entry.sha256) {
        throw new BundleError(path, `sha256 is ${actual}, manifest.json says ${entry.sha256} (file changed or corrupt)`);
      }
    }
  }
  const files = manifest.files;
  return {
    dir,
    manifest,
    encoderPath: resolve(dir, files.encoder.path),
    decoderPath: resolve(dir, files.decoder.path),
    extraPath: (role) => (files[role] ? resolve(dir, files[role].path) : undefined),
    latentKey: latentKey(manifest),
  };
}

/** Checks a session's declared input shape against the manifest (symbolic dims pass). */
export function checkGraphShape(
  file: string,
  what: string,
  declared: readonly (number | string)[] | undefined,
  expected: readonly number[],
): void {
  if (!declared) return;
  const ok =
    declared.length === expected.length + 1 &&
    expected.every((dim, i) => typeof declared[i + 1] !== 'number' || declared[i + 1] === dim);
  if (!ok) {
    throw new BundleError(file, `${what} has shape [${declared.join(', ')}], manifest implies [batch, ${expected.join(', ')}]`);
  }
}

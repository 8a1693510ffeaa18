// A copy of the test fixture bundle with built-in attributes (random directions, fixed seed),
// so batch tests can use attribute names the way the shipped model's attributes.json has them.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURE_BUNDLE, packageRoot } from '../engine/default-bundle.js';
import { sample, seededRandom } from '../engine/latent.js';
import { encodeFloat32 } from '../library/float16.js';

export const TEST_ATTRIBUTES = ['Smiling', 'Age', 'Male'];
/** The one the library can be searched by: a face has it past the threshold 0. */
const SEARCHABLE_TEST_ATTRIBUTE = 'Smiling';

export async function bundleWithAttributes(dir: string, names: readonly string[] = TEST_ATTRIBUTES): Promise<string> {
  await cp(join(packageRoot(), FIXTURE_BUNDLE), dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { model_id: string; eps_size: number };
  const random = seededRandom(42);
  const vectors = names.map(() => sample(manifest.eps_size, 0.3, random));
  const all = new Float32Array(names.length * manifest.eps_size);
  vectors.forEach((v, i) => all.set(v, i * manifest.eps_size));
  await writeFile(join(dir, 'attributes.bin'), encodeFloat32(all));
  const doc = {
    format: 'glow-studio-attributes',
    version: 1,
    model_id: manifest.model_id,
    eps_size: manifest.eps_size,
    dtype: 'float32',
    byte_order: 'little',
    count: names.length,
    attributes: names.map((name) => ({
      name,
      positive: `${name} = 1`,
      negative: `${name} = -1`,
      positives: 100,
      negatives: 100,
      source: 'test',
      norm: 1,
      ...(name === SEARCHABLE_TEST_ATTRIBUTE ? { search: { threshold: 0, held_out: { positives: 20, negatives: 30, found: 18, false_alarms: 3, balanced_accuracy: 0.9 } } } : {}),
    })),
  };
  await writeFile(join(dir, 'attributes.json'), JSON.stringify(doc, null, 2));
  return dir;
}

// Where the studio finds its model when the user names none: the shipped face model, or the
// random-weight test fixture in a checkout that has no trained model yet.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of glow-studio's package.json (works from app/ sources and from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'glow-studio') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the glow-studio package folder');
    dir = up;
  }
}

/** Shipped face models, best first (see each one's MODEL_CARD.md). */
export const SHIPPED_BUNDLES = [join('models', 'bundles', 'face-64')];
export const FIXTURE_BUNDLE = join('models', 'fixtures', 'tiny-32');

/** GLOW_STUDIO_BUNDLE, else the best shipped model, else the test fixture. */
export function defaultBundleDir(): string {
  if (process.env.GLOW_STUDIO_BUNDLE) return process.env.GLOW_STUDIO_BUNDLE;
  const root = packageRoot();
  const shipped = SHIPPED_BUNDLES.map((b) => join(root, b)).find((dir) => existsSync(join(dir, 'manifest.json')));
  return shipped ?? join(root, FIXTURE_BUNDLE);
}

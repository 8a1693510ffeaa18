// Shared by the engine's tests: the committed fixture bundle and throwaway copies of it.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_BUNDLE, packageRoot } from './default-bundle.js';

export const fixtureDir = join(packageRoot(), FIXTURE_BUNDLE);

/** A writable copy of the fixture bundle, for tests that break it on purpose. */
export function fixtureCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glow-bundle-'));
  cpSync(fixtureDir, dir, { recursive: true });
  return dir;
}

export { maxAbsDiff } from './reference-check.js';

/** A deterministic image in the model's encoding, (p + 0.5) / 256 - 0.5. */
export function testImage(length: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return ((s % 256) + 0.5) / 256 - 0.5;
  });
}

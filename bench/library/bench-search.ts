// What a search of the library by attribute costs (app/library/attribute-search.ts), after
// each change of the library (the result is remembered until then): the first search by a
// direction reads every face's latent from SQLite and projects it, and keeps the projections
// (face_projections); the later ones read those. A library of --faces faces with random
// float16 latents of the bundle's size, one face a photo, in a temporary folder; prints, in one
// run, the first search by each of --rounds directions and the median of --rounds later
// searches, and the ratio.
//
//   node --import tsx bench/library/bench-search.ts [--bundle models/bundles/face-64]
//        [--faces 10000,20000] [--rounds 5]
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SHIPPED_BUNDLES, packageRoot } from '../../app/engine/default-bundle.js';
import { seededRandom } from '../../app/engine/latent.js';
import { photosWithAttribute } from '../../app/library/attribute-search.js';
import { Library } from '../../app/library/library.js';
import { testFace } from '../../app/library/test-library.js';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string' },
    faces: { type: 'string', default: '10000,20000' },
    rounds: { type: 'string', default: '5' },
  },
});
const bundle = resolve(values.bundle ?? join(packageRoot(), SHIPPED_BUNDLES[0]!));
const epsSize = (JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { eps_size: number }).eps_size;
const rounds = Number(values.rounds);
const random = seededRandom(1);
const direction = Float32Array.from({ length: epsSize }, () => random() - 0.5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), 'glow-bench-search-'));
console.log(`${cpus()[0]?.model ?? 'cpu'} x${cpus().length}; latents of ${epsSize} values (${bundle}); median of ${rounds} searches`);
try {
  for (const count of values.faces.split(',').map(Number)) {
    const library = Library.open(join(work, `library-${count}.sqlite`));
    try {
      library.transaction(() => {
        for (let i = 0; i < count; i++) {
          const photo = library.addPhoto({ path: `/photos/${i}.jpg`, hash: String(i), size: 1, mtimeMs: 1, width: 10, height: 10, orientation: 1 });
          library.addFace(photo, 'bench', testFace(Float32Array.from({ length: epsSize }, () => random() * 2 - 1)));
        }
      });
      const search = (name: string) => {
        const t0 = performance.now();
        const found = photosWithAttribute(library, 'bench', name, { direction, threshold: 0 }, true).photoIds.length;
        return { ms: performance.now() - t0, found };
      };
      // First searches: each by a direction of its own name, so none finds projections kept.
      const first = Array.from({ length: rounds }, (_, r) => search(`Bench ${r}`));
      const later = Array.from({ length: rounds }, () => search('Bench 0'));
      const [a, b] = [median(first.map((s) => s.ms)), median(later.map((s) => s.ms))];
      const perFace = (ms: number) => `${((1000 * ms) / count).toFixed(1)} µs a face`;
      console.log(`${count} faces: first search ${a.toFixed(0)} ms (${perFace(a)}), later ${b.toFixed(1)} ms (${perFace(b)}): ${(a / b).toFixed(1)}x; ${later[0]!.found} photos found`);
    } finally {
      library.close();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

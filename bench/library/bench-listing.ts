// What listing a page of the library's grid costs in each order (app/library/photo-order.ts),
// with the indexes of schema v15 and without them (the whole library sorted for each page),
// side by side in one run: a library of --photos photos (50 folders, two in three with an EXIF
// date) in a temporary folder; the median of --rounds listings of the first page and of a page
// half way down, 500 photos each, as the studio's grid asks for them.
//
//   node --import tsx bench/library/bench-listing.ts [--photos 100000] [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PhotoOrder } from '../../app/api/contract.js';
import { Library } from '../../app/library/library.js';
import { listPhotos, mediaUrls } from '../../app/studio/library-views.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } });
const count = Number(values.photos);
const rounds = Number(values.rounds);
const PAGE = 500;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), 'glow-bench-listing-'));
console.log(`${cpus()[0]?.model ?? 'cpu'} x${cpus().length}; ${count} photos; pages of ${PAGE}; median of ${rounds} listings`);
try {
  const library = Library.open(join(work, 'library.sqlite'));
  try {
    library.transaction(() => {
      for (let i = 0; i < count; i++) {
        library.addPhoto({
          path: `/photos/${i % 50}/IMG_${i}.jpg`,
          hash: String(i),
          size: 1,
          mtimeMs: 1e12 + ((i * 7919) % count) * 1000,
          ...(i % 3 ? { taken: { wallMs: 1.5e12 + ((i * 104729) % count) * 60_000 } } : {}),
          width: 10,
          height: 10,
          orientation: 1,
        });
      }
    });
    const time = (order: PhotoOrder, offset: number) =>
      median(
        Array.from({ length: rounds }, () => {
          const t0 = performance.now();
          listPhotos(library, mediaUrls('/'), { order, offset, limit: PAGE });
          return performance.now() - t0;
        }),
      );
    const run = () => (['name', 'newest', 'oldest'] as const).map((order) => ({ order, first: time(order, 0), middle: time(order, Math.floor(count / 2)) }));
    const indexed = run();
    library.db.exec('DROP INDEX photos_name_key; DROP INDEX photos_taken;');
    const sorted = run();
    for (const [i, r] of indexed.entries()) {
      const s = sorted[i]!;
      console.log(
        `${r.order.padEnd(6)} first page ${r.first.toFixed(1)} ms (without the indexes ${s.first.toFixed(1)} ms, ${(s.first / r.first).toFixed(1)}x); ` +
          `half way down ${r.middle.toFixed(1)} ms (without ${s.middle.toFixed(1)} ms, ${(s.middle / r.middle).toFixed(1)}x)`,
      );
    }
  } finally {
    library.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

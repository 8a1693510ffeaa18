// What bench-import and bench-export share: their flags, bench/batch's generated 12 MP photos
// (1 to 3 faces, cached under the temp dir), and the run of one photo at a time against
// several at a time, alternating, with its summary line.
import { mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBundleDir } from '../../app/engine/default-bundle.js';
import { defaultConcurrency } from '../../app/jobs/concurrency.js';
import { listPhotos, type PhotoListing } from '../../app/jobs/photo-files.js';
import { writeTestPhoto } from '../../app/jobs/test-photos.js';

export function benchFlags(): { count: number; rounds: number; wide: number; bundleDir: string } {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '30' },
      rounds: { type: 'string', default: '2' },
      concurrency: { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  return {
    count: Number(values.count),
    rounds: Number(values.rounds),
    wide: values.concurrency ? Number(values.concurrency) : defaultConcurrency(),
    bundleDir: values.bundle ?? defaultBundleDir(),
  };
}

/** The first `count` generated photos (made now where the cache has fewer): their folder and listing. */
export async function generatedPhotos(count: number): Promise<{ folder: string; listing: PhotoListing }> {
  const [width, height, faces] = [4000, 3000, [1, 3] as [number, number]];
  const folder = join(tmpdir(), `glow-bench-batch-${width}x${height}-${faces.join('-')}`);
  mkdirSync(folder, { recursive: true });
  const have = readdirSync(folder).filter((f) => f.endsWith('.jpg')).length;
  for (let i = have; i < count; i++) {
    await writeTestPhoto(join(folder, `photo-${String(i).padStart(3, '0')}.jpg`), { width, height, faces, seed: 5 }, i);
    process.stderr.write(`\rgenerating photos ${i + 1}/${count}${i + 1 === count ? '\n' : ''}`);
  }
  const listing = await listPhotos(folder);
  listing.files = listing.files.sort().slice(0, count);
  return { folder, listing };
}

/**
 * Runs `once` (which returns the seconds its work took) `rounds` times with 1 and with `wide`
 * photos at a time, which goes first alternating so that a warm cache or a busy moment favours
 * neither, and prints the medians in photos a minute and their ratio.
 */
export async function sideBySide(
  what: string,
  { count, rounds, wide }: { count: number; rounds: number; wide: number },
  once: (concurrency: number, round: number) => Promise<{ seconds: number; model: string; faces: number }>,
): Promise<void> {
  const perMinute = new Map<number, number[]>([
    [1, []],
    [wide, []],
  ]);
  let model = '';
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of round % 2 ? [wide, 1] : [1, wide]) {
      const run = await once(concurrency, round);
      model = run.model;
      perMinute.get(concurrency)!.push((count / run.seconds) * 60);
      console.log(`round ${round + 1}, ${concurrency} at a time: ${what} ${count} photos (${run.faces} faces) in ${run.seconds.toFixed(1)} s`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [one, many] = [median(perMinute.get(1)!), median(perMinute.get(wide)!)];
  console.log(`\nmodel ${model}; ${cpus().length}x ${cpus()[0]?.model}; load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(`one photo at a time: ${one.toFixed(1)} photos/min; ${wide} at a time: ${many.toFixed(1)} photos/min; ratio ${(many / one).toFixed(2)}x`);
}

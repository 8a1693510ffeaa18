// How many photos an import, an export or a batch works on at once: while one photo is
// decoded, hashed or written, another's faces are found (the model runs use the cores in
// between).
import { availableParallelism } from 'node:os';

export function defaultConcurrency(): number {
  return Math.min(4, Math.max(2, availableParallelism()));
}

/** Runs `work` on each item, `width` at a time, starting them in order; no new one starts
 * once `stop()` says so (the ones under way finish). */
export async function eachAtOnce<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
}

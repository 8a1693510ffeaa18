// How many photos an import or a batch works on at once: while one photo is decoded, hashed
// or written, another's faces are found (the model runs use the cores in between).
import { availableParallelism } from 'node:os';

export function defaultConcurrency(): number {
  return Math.min(4, Math.max(2, availableParallelism()));
}

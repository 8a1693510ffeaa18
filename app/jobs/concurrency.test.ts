// A few photos at once: never more than asked, each once, and none started after a stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachAtOnce } from './concurrency.js';

test('eachAtOnce runs every item once, at most `width` at a time, starting them in order', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  await eachAtOnce([5, 1, 4, 2, 3], 2, async (ms, i) => {
    started.push(i);
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
  });
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
});

test('eachAtOnce starts no item once stopped; the ones under way finish', async () => {
  const finished: number[] = [];
  let stop = false;
  await eachAtOnce(
    [0, 1, 2, 3, 4, 5],
    2,
    async (item) => {
      if (item === 1) stop = true; // items 0 and 1 are under way; none after them starts
      await new Promise((r) => setTimeout(r, 5));
      finished.push(item);
    },
    () => stop,
  );
  assert.deepEqual(finished.sort(), [0, 1]);
});

// Runs an async task with never more than one in flight: a value offered while one runs
// replaces any value already waiting, so the latest value always wins and nothing queues.

export interface LatestOnly<T> {
  /** Offers a value; it runs now, or after the one in flight (replacing any waiting value). */
  offer(value: T): void;
  /** Drops the waiting value, if any (the one in flight still finishes). */
  clear(): void;
  readonly busy: boolean;
  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void>;
}

export function latestOnly<T>(task: (value: T) => Promise<void>): LatestOnly<T> {
  let running = false;
  let waiting: { value: T } | undefined;
  let idleWaiters: (() => void)[] = [];

  async function pump() {
    running = true;
    while (waiting) {
      const { value } = waiting;
      waiting = undefined;
      try {
        await task(value);
      } catch {
        // The task reports its own errors; a failure must not stall later values.
      }
    }
    running = false;
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((w) => w());
  }

  return {
    offer(value) {
      waiting = { value };
      if (!running) void pump();
    },
    clear() {
      waiting = undefined;
    },
    get busy() {
      return running;
    },
    idle() {
      return running ? new Promise((ok) => idleWaiters.push(ok)) : Promise.resolve();
    },
  };
}

// Undo/redo over snapshots of the editor's recipes (one snapshot per finished gesture).

/** A history as data: what the library keeps of it between sessions. */
export interface HistorySnapshot<T> {
  past: T[];
  present: T;
  future: T[];
}

export interface EditHistory<T> {
  /** Records a new state after a change; clears the redo side. */
  push(state: T): void;
  undo(): T | undefined;
  redo(): T | undefined;
  /** The state the history is at. */
  readonly present: T;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  snapshot(): HistorySnapshot<T>;
}

/** A history that starts at `initial`, or goes on from a saved one (`from`). */
export function editHistory<T>(initial: T, limit = 200, from?: HistorySnapshot<T>): EditHistory<T> {
  let past: T[] = from ? from.past.slice(-limit) : [];
  let present = from ? from.present : initial;
  let future: T[] = from ? from.future.slice(-limit) : [];
  return {
    push(state) {
      past.push(present);
      if (past.length > limit) past = past.slice(-limit);
      present = state;
      future = [];
    },
    undo() {
      const prev = past.pop();
      if (prev === undefined) return undefined;
      future.push(present);
      present = prev;
      return present;
    },
    redo() {
      const next = future.pop();
      if (next === undefined) return undefined;
      past.push(present);
      present = next;
      return present;
    },
    get present() {
      return present;
    },
    get canUndo() {
      return past.length > 0;
    },
    get canRedo() {
      return future.length > 0;
    },
    snapshot() {
      return { past: [...past], present, future: [...future] };
    },
  };
}

/**
 * Each photo's history, so that coming back to a photo can still undo its edits: the one kept
 * in memory this session, else the one the library saved (`saved`, from an earlier session).
 * A history goes on only if it ends at the edits the library holds now (`same`); if something
 * else changed the photo meanwhile, it starts anew from them. The `limit` photos opened most
 * recently keep theirs in memory.
 */
export function photoHistories<T>(
  same: (a: T, b: T) => boolean,
  limit = 50,
): { open(photoId: number, edits: T, saved?: HistorySnapshot<T> | null): EditHistory<T> } {
  const kept = new Map<number, EditHistory<T>>(); // least recently opened first
  return {
    open(photoId, edits, saved) {
      const earlier = kept.get(photoId);
      kept.delete(photoId);
      const history =
        earlier && same(earlier.present, edits) ? earlier : saved && same(saved.present, edits) ? editHistory(edits, undefined, saved) : editHistory(edits);
      kept.set(photoId, history);
      if (kept.size > limit) kept.delete(kept.keys().next().value!);
      return history;
    },
  };
}

/**
 * The part of a history worth saving: the `states` nearest the present on each side, and
 * fewer while its JSON is over `bytes` (the loopback host takes requests up to 1 MiB; brush
 * strokes make states large). Null when even the present alone is over.
 */
export function historyToSave<T>(history: HistorySnapshot<T>, { states = 50, bytes = 900_000 } = {}): HistorySnapshot<T> | null {
  const size = (state: T) => JSON.stringify(state).length + 1; // and its comma
  let past = history.past.slice(-states);
  let future = history.future.slice(-states);
  const pastSizes = past.map(size);
  const futureSizes = future.map(size);
  let total = 64 + size(history.present) + pastSizes.reduce((a, b) => a + b, 0) + futureSizes.reduce((a, b) => a + b, 0);
  // Drop from the far end of the longer side: the oldest undo, or the furthest redo.
  while (total > bytes && (past.length || future.length)) {
    if (past.length >= future.length) {
      past = past.slice(1);
      total -= pastSizes.shift()!;
    } else {
      future = future.slice(1);
      total -= futureSizes.shift()!;
    }
  }
  return total > bytes ? null : { past, present: history.present, future };
}

// Undo/redo over snapshots of the editor's recipes (one snapshot per finished gesture).

export interface EditHistory<T> {
  /** Records a new state after a change; clears the redo side. */
  push(state: T): void;
  undo(): T | undefined;
  redo(): T | undefined;
  /** The state the history is at. */
  readonly present: T;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
}

export function editHistory<T>(initial: T, limit = 200): EditHistory<T> {
  let past: T[] = [];
  let present = initial;
  let future: T[] = [];
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
  };
}

/**
 * Each photo's history for the session, so that coming back to a photo can still undo its
 * edits. A photo's history goes on only if it ends at the edits the library holds now (`same`);
 * if something else changed the photo meanwhile, it starts anew from them. The `limit` photos
 * opened most recently keep theirs.
 */
export function photoHistories<T>(same: (a: T, b: T) => boolean, limit = 50): { open(photoId: number, saved: T): EditHistory<T> } {
  const kept = new Map<number, EditHistory<T>>(); // least recently opened first
  return {
    open(photoId, saved) {
      const earlier = kept.get(photoId);
      kept.delete(photoId);
      const history = earlier && same(earlier.present, saved) ? earlier : editHistory(saved);
      kept.set(photoId, history);
      if (kept.size > limit) kept.delete(kept.keys().next().value!);
      return history;
    },
  };
}

// Undo/redo over snapshots of the editor's recipes (one snapshot per finished gesture).

export interface EditHistory<T> {
  /** Records a new state after a change; clears the redo side. */
  push(state: T): void;
  undo(): T | undefined;
  redo(): T | undefined;
  reset(state: T): void;
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
    reset(state) {
      past = [];
      future = [];
      present = state;
    },
    get canUndo() {
      return past.length > 0;
    },
    get canRedo() {
      return future.length > 0;
    },
  };
}

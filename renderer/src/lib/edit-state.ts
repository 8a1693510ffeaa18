// What the editor's undo and redo step through, and when two such states are the same edits.
import type { MaskStroke, Recipe } from '../../../app/api/contract.js';

export type Recipes = Record<number, Recipe>;

/** Every face's recipe and the photo's brush mask. */
export interface EditorState {
  recipes: Recipes;
  mask: MaskStroke[];
}

export function isEmptyRecipe(r: Recipe | null | undefined): boolean {
  return !r || (Object.values(r.sliders ?? {}).every((v) => v === 0) && !r.mix);
}

/** The edits a state stands for, as text equal for equal edits: sliders at 0 and faces left as
 * they are drop out (the library does not keep them), and object keys are sorted. */
export function editsKey(state: EditorState): string {
  const faces = Object.entries(state.recipes)
    .filter(([, r]) => !isEmptyRecipe(r))
    .map(([id, r]) => [Number(id), { sliders: Object.fromEntries(Object.entries(r.sliders).filter(([, v]) => v !== 0)), mix: r.mix ?? null }] as const)
    .sort((a, b) => a[0] - b[0]);
  return JSON.stringify([faces, state.mask], (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

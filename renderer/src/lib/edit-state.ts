// What the editor's undo and redo step through, and when two such states are the same edits.
import type { MaskStroke, Recipe } from '../../../app/api/contract.js';

export type Recipes = Record<number, Recipe>;

/** Every face's recipe and the photo's brush mask. */
export interface EditorState {
  recipes: Recipes;
  mask: MaskStroke[];
}

/** A recipe that changes nothing: every slider at 0, and no mix or one at 0 (the library keeps
 * no edit for it). */
export function isEmptyRecipe(r: Recipe | null | undefined): boolean {
  const mixes = !!r?.mix && r.mix.amount !== 0 && (r.mix.levels?.some((l) => l !== 0) ?? true);
  return !r || (Object.values(r.sliders ?? {}).every((v) => v === 0) && !mixes);
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

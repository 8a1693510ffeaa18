// Deleting one of the user's derived attributes (a "Mine" slider), for every model it was
// derived for. Saved edits that move its slider lose that slider (an edit left with nothing
// to change is removed), and undo histories that mention it are cleared, since undoing into
// a state with a slider that no longer exists could not be rendered. The tags it was derived
// from stay, so deriving it again gives it back.
import type { AttributeUse } from '../api/contract.js';
import { EditRecipe, type Library } from './library.js';
import { forgetProjections } from './attribute-search.js';

export class AttributeNotDerivedError extends Error {
  override name = 'AttributeNotDerivedError';
}

interface EditRow {
  photo_id: number;
  face_id: number;
  recipe: string;
}

/** The name as it appears in a recipe's JSON: rows without it are not read. */
const quoted = (name: string) => JSON.stringify(name);

/** The saved edits whose recipe moves the slider `name`. */
function editsWith(library: Library, name: string): { photoId: number; faceId: number; recipe: EditRecipe }[] {
  const rows = library.db.prepare('SELECT photo_id, face_id, recipe FROM edits WHERE instr(recipe, ?) > 0').all(quoted(name)) as EditRow[];
  return rows
    .map((r) => ({ photoId: r.photo_id, faceId: r.face_id, recipe: EditRecipe.parse(JSON.parse(r.recipe)) }))
    .filter((e) => (e.recipe.sliders[name] ?? 0) !== 0);
}

/** Photos whose saved undo history has a state that moves the slider `name`. */
function historiesWith(library: Library, name: string): number[] {
  const rows = library.db.prepare('SELECT photo_id FROM edit_histories WHERE instr(history, ?) > 0').all(quoted(name)) as { photo_id: number }[];
  const photoIds = rows.map((r) => r.photo_id);
  return photoIds.filter((id) => {
    const history = library.editHistoryOf(id);
    const states = history ? [...history.past, history.present, ...history.future] : [];
    return states.some((s) => Object.values(s.recipes).some((r) => (r.sliders?.[name] ?? 0) !== 0));
  });
}

function isDerived(library: Library, name: string): boolean {
  return !!library.db.prepare("SELECT 1 FROM attributes WHERE name = ? AND source = 'derived'").get(name);
}

/** The saved edits and the histories that move the derived attribute `name`'s slider (none
 * when `builtin`: the model has a built-in attribute of that name, which the slider then
 * stands for again, so edits keep it). */
function usesOf(library: Library, name: string, builtin: boolean) {
  if (!isDerived(library, name)) throw new AttributeNotDerivedError(`no attribute '${name}' of yours in the library (built-in ones come with the model and stay)`);
  return builtin ? { edits: [], histories: [] } : { edits: editsWith(library, name), histories: historiesWith(library, name) };
}

function summary(name: string, { edits, histories }: ReturnType<typeof usesOf>): AttributeUse {
  return { name, edits: edits.length, photos: new Set(edits.map((e) => e.photoId)).size, histories: histories.length };
}

/** What deleting the derived attribute `name` would change (`builtin`: as for usesOf). */
export function attributeUse(library: Library, name: string, { builtin = false } = {}): AttributeUse {
  return summary(name, usesOf(library, name, builtin));
}

/** Deletes the derived attribute `name` and its slider from saved edits and histories, in one
 * transaction; returns what it changed. */
export function removeDerivedAttribute(library: Library, name: string, { builtin = false } = {}): AttributeUse {
  return library.transaction(() => {
    const uses = usesOf(library, name, builtin);
    for (const e of uses.edits) {
      const { [name]: _gone, ...sliders } = e.recipe.sliders;
      library.saveEdit(e.photoId, e.faceId, { ...e.recipe, sliders });
    }
    for (const photoId of uses.histories) library.setEditHistory(photoId, null);
    library.db.prepare("DELETE FROM attributes WHERE name = ? AND source = 'derived'").run(name);
    if (!builtin) forgetProjections(library, name); // a built-in one of the name is searched by still
    return summary(name, uses);
  });
}

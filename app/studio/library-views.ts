// Read-only views of the library shaped for the UI: folders, photo pages, faces with tags
// and saved recipes.
import { basename, dirname, sep } from 'node:path';
import type { FaceInfo, FolderInfo, PhotoOrder, PhotoSummary, Recipe } from '../api/contract.js';
import type { EditRecipe, FaceRecord, Library } from '../library/library.js';
import { photoOrderSql, takenWallSql } from '../library/photo-order.js';
import { photosToTurnUpright } from '../library/rotation.js';

/** Image URLs by photo or face id. They carry the photo's turns (rotation.ts), so that the
 * UI fetches a photo again once it is turned instead of showing the cached one. */
export interface MediaUrls {
  thumb(photoId: number, turns: number): string;
  photo(photoId: number, turns: number): string;
  crop(faceId: number, turns: number): string;
}

export function mediaUrls(base: string): MediaUrls {
  return {
    thumb: (id, turns) => `${base}thumb/${id}?v=${turns}`,
    photo: (id, turns) => `${base}photo/${id}?v=${turns}`,
    crop: (id, turns) => `${base}crop/${id}?v=${turns}`,
  };
}

interface PhotoListRow {
  id: number;
  path: string;
  width: number;
  height: number;
  turns: number;
  taken_wall_ms: number | null;
  faces: number;
  edits: number;
  /** JSON array of the attribute names. */
  tags: string;
}

export function listFolders(library: Library): FolderInfo[] {
  const rows = library.db.prepare('SELECT path FROM photos WHERE missing = 0').all() as { path: string }[];
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(dirname(r.path), (counts.get(dirname(r.path)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([path, photos]) => ({ path, photos }));
}

export function listPhotos(
  library: Library,
  urls: MediaUrls,
  {
    photoId,
    folder,
    tag,
    edited,
    name,
    photoIds,
    order = 'name',
    offset,
    limit,
  }: {
    photoId?: number;
    folder?: string | undefined;
    tag?: string | undefined;
    edited?: boolean | undefined;
    name?: string | undefined;
    /** Only these photos, in this order (a search by attribute, attribute-search.ts). */
    photoIds?: readonly number[] | undefined;
    /** Default: by name. Not for a search's photos, which keep its order. */
    order?: PhotoOrder | undefined;
    offset: number;
    limit: number;
  },
): PhotoSummary[] {
  // One photo asked for by id is listed even where an import marked its file missing (the
  // editor says so); views leave those out.
  const where = photoId !== undefined ? ['p.id = ?'] : ['p.missing = 0'];
  const params: unknown[] = photoId !== undefined ? [photoId] : [];
  if (folder) {
    // Photos directly in the folder (subfolders are folders of their own).
    where.push("substr(p.path, 1, length(?) + 1) = ? || '/' AND instr(substr(p.path, length(?) + 2), '/') = 0");
    params.push(folder, folder, folder);
  }
  if (edited) where.push('EXISTS (SELECT 1 FROM edits e WHERE e.photo_id = p.id)');
  if (name?.trim()) {
    // The file name: the path after its last separator (rtrim strips the name, leaving the folder).
    where.push("instr(lower(substr(p.path, length(rtrim(p.path, replace(p.path, ?, ''))) + 1)), lower(?)) > 0");
    params.push(sep, name.trim());
  }
  if (tag) {
    where.push('EXISTS (SELECT 1 FROM faces f JOIN tags t ON t.face_id = f.id WHERE f.photo_id = p.id AND t.attribute = ? AND t.value = 1)');
    params.push(tag);
  }
  // A search's photos come in its order (the clearest first); the rest in the order asked for.
  const from = photoIds ? 'photos p JOIN json_each(?) ranked ON ranked.value = p.id' : 'photos p';
  const fromParams = photoIds ? [JSON.stringify(photoIds)] : [];
  const rows = library.db
    .prepare(
      `SELECT p.id, p.path, p.width, p.height, p.turns, ${takenWallSql('p')} AS taken_wall_ms,
              (SELECT count(*) FROM faces f WHERE f.photo_id = p.id) AS faces,
              (SELECT count(*) FROM edits e WHERE e.photo_id = p.id) AS edits,
              (SELECT json_group_array(DISTINCT t.attribute) FROM faces f JOIN tags t ON t.face_id = f.id
               WHERE f.photo_id = p.id AND t.value = 1) AS tags
       FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${photoIds ? 'ranked.key' : photoOrderSql(order, 'p')} LIMIT ? OFFSET ?`,
    )
    .all(...fromParams, ...params, limit, offset) as PhotoListRow[];
  const toTurn = photosToTurnUpright(library, rows.filter((r) => r.faces > 0).map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    path: r.path,
    name: basename(r.path),
    width: r.width,
    height: r.height,
    ...(r.taken_wall_ms !== null ? { takenMs: r.taken_wall_ms } : {}),
    faces: r.faces,
    thumbUrl: urls.thumb(r.id, r.turns),
    edited: r.edits > 0,
    tags: (JSON.parse(r.tags) as string[]).sort(),
    ...(toTurn.has(r.id) ? { suggestedTurns: toTurn.get(r.id)! } : {}),
  }));
}

/** The UI's recipe from the library's (mix weights per level already scaled by the amount). */
export function recipeFromLibrary(recipe: EditRecipe): Recipe {
  if (!recipe.mix) return { sliders: recipe.sliders, mix: null };
  const amount = Math.max(0, ...recipe.mix.weights);
  const levels = recipe.mix.weights.map((w) => (amount > 0 ? w / amount : 0));
  return { sliders: recipe.sliders, mix: { faceId: recipe.mix.faceId, amount, levels } };
}

export function recipeToLibrary(recipe: Recipe, levelCount: number): EditRecipe {
  const sliders = Object.fromEntries(Object.entries(recipe.sliders ?? {}).filter(([, v]) => v !== 0));
  if (!recipe.mix) return { sliders };
  const levels = recipe.mix.levels ?? new Array(levelCount).fill(1);
  if (levels.length !== levelCount) throw new RangeError(`mix needs ${levelCount} per-level weights, got ${levels.length}`);
  return { sliders, mix: { faceId: recipe.mix.faceId, weights: levels.map((w) => w * recipe.mix!.amount) } };
}

export function faceInfo(library: Library, urls: MediaUrls, face: FaceRecord): FaceInfo {
  const saved = library.editsOfPhoto(face.photoId).find((e) => e.faceId === face.id);
  const partner = saved?.recipe.mix ? library.face(saved.recipe.mix.faceId) : undefined;
  const partnerPhoto = partner ? library.photo(partner.photoId) : undefined;
  const turns = library.photo(face.photoId)?.turns ?? 0;
  return {
    id: face.id,
    photoId: face.photoId,
    box: face.box,
    score: face.score,
    cropUrl: urls.crop(face.id, turns),
    tags: library.tagsOf(face.id),
    recipe: saved ? recipeFromLibrary(saved.recipe) : null,
    ...(partner && partnerPhoto ? { mixPartner: { id: partner.id, cropUrl: urls.crop(partner.id, partnerPhoto.turns), photoName: basename(partnerPhoto.path) } } : {}),
  };
}

// Searching the library by attribute ("faces with glasses"): a face has an attribute when its
// eps, projected on the attribute's direction, is past a threshold, halfway between the
// projections of the mean face with and without it. A built-in attribute's threshold and its
// accuracy on held-out faces were measured for its model (bench/faces/bench-attribute-search.ts);
// a derived one's come from the user's tagged faces. The user's tags have the last word: a
// face tagged as having it has it, whatever its latent says.
import { createHash } from 'node:crypto';
import type { AttributeSearch, BuiltinAttribute } from './builtin-attributes.js';
import { dotFloat16 } from './float16.js';
import type { AttributeRecord, Library } from './library.js';

/** A direction and the threshold past which a face has the attribute. */
export interface SearchDirection {
  direction: Float32Array;
  threshold: number;
  /** Where measured: the share of faces with it that the search finds, and of faces without
   * it that it takes for faces with it (likelyRight). */
  rates?: SearchRates;
}

export interface SearchRates {
  found: number;
  falseAlarms: number;
}

/** What a search found, face by face. */
export interface FaceSearchResult {
  /** The photos, those that show it most clearly first. */
  photoIds: number[];
  /** Faces whose latent was read (untagged, encoded by the model), those of them the model reads
   * on the side asked for, and the faces tagged on that side. */
  faces: { read: number; found: number; tagged: number };
}

/** How well the search finds an attribute, for the UI. */
export interface SearchQuality {
  /** 0..1: the mean of the shares told right with and without it, on held-out faces (built-in);
   * the leave-one-out accuracy on the user's tagged faces (derived). */
  accuracy: number;
  /** The figures behind it, in a sentence. */
  about: string;
}

const percent = (part: number, whole: number) => `${Math.round((100 * part) / Math.max(1, whole))}%`;

export function builtinSearchQuality(search: AttributeSearch): SearchQuality {
  const h = search.heldOut;
  return {
    accuracy: h.balancedAccuracy,
    about:
      `On faces held out from the model's training, it found ${h.found} of the ${h.positives} with it (${percent(h.found, h.positives)}), ` +
      `and took ${h.falseAlarms} of the ${h.negatives} without it (${percent(h.falseAlarms, h.negatives)}) for faces with it.`,
  };
}

/** The threshold of a derived attribute: halfway between the mean projections of the faces
 * tagged with it and without it, among those encoded by the model of `latentKey`. Undefined
 * when one side has no such face. */
export function derivedSearch(library: Library, latentKey: string, attribute: AttributeRecord): SearchDirection | undefined {
  const rows = library.db
    .prepare('SELECT f.eps, t.value FROM tags t JOIN faces f ON f.id = t.face_id WHERE t.attribute = ? AND f.model_id = ?')
    .all(attribute.name, latentKey) as { eps: Buffer; value: number }[];
  const sums = [0, 0];
  const counts = [0, 0];
  for (const r of rows) {
    sums[r.value]! += dotFloat16(r.eps, attribute.direction);
    counts[r.value]!++;
  }
  if (!counts[0] || !counts[1]) return undefined;
  return { direction: attribute.direction, threshold: (sums[0]! / counts[0]! + sums[1]! / counts[1]!) / 2 };
}

function derivedAccuracy(attribute: AttributeRecord): number | undefined {
  const q = attribute.quality;
  return q.method === 'mean' ? q.meanDiffAccuracy : q.classifierAccuracy;
}

export function derivedSearchQuality(attribute: AttributeRecord): SearchQuality | undefined {
  const accuracy = derivedAccuracy(attribute);
  if (accuracy === undefined) return undefined;
  return { accuracy, about: `On your ${attribute.positives + attribute.negatives} tagged faces, each left out in turn, it told ${percent(accuracy, 1)} right.` };
}

export class AttributeSearchError extends Error {
  override name = 'AttributeSearchError';
  constructor(
    message: string,
    /** No attribute has the name (as against one that cannot be searched by). */
    readonly unknown = false,
  ) {
    super(message);
  }
}

/** What the library is searched by for `name` (its exact name): a derived attribute comes
 * first, as for sliders. One that cannot be searched by is an AttributeSearchError that says why. */
export function searchDirection(
  library: Library,
  model: { latentKey: string; manifest: { model_id: string } },
  name: string,
  builtin: readonly BuiltinAttribute[] | undefined,
  derived: readonly AttributeRecord[],
): SearchDirection {
  const mine = derived.find((a) => a.name === name);
  if (mine) {
    const search = derivedSearch(library, model.latentKey, mine);
    if (!search) throw new AttributeSearchError(`'${name}' cannot be searched by: tag faces that have it and faces that do not, then derive it again`);
    // Only its leave-one-out accuracy is known: taken as the same on both sides.
    const accuracy = derivedAccuracy(mine);
    return accuracy === undefined ? search : { ...search, rates: { found: accuracy, falseAlarms: 1 - accuracy } };
  }
  const b = builtin?.find((a) => a.name === name);
  if (!b) throw new AttributeSearchError(`unknown attribute '${name}'`, true);
  if (!b.search) throw new AttributeSearchError(`'${name}' cannot be searched by: the model ${model.manifest.model_id} does not tell it well enough on faces it did not learn from`);
  const h = b.search.heldOut;
  return { direction: b.direction, threshold: b.search.threshold, rates: { found: h.found / Math.max(1, h.positives), falseAlarms: h.falseAlarms / Math.max(1, h.negatives) } };
}

/** Faces read below this, the share of them found says too little about the library. */
const MIN_FACES_READ = 30;

/**
 * The share of the faces a search found that likely are on the side asked for: the tagged ones
 * surely; of the others, estimated from the share of the library's faces the model reads that
 * way and its measured rates (adjusted classify-and-count: the share with it p solves
 * found share = rates.found * p + rates.falseAlarms * (1 - p)). A rare attribute is found
 * wrongly more often than its held-out accuracy says: most faces are without it, and a few of
 * those are taken for faces with it. Undefined without rates, or with too few faces read.
 */
export function likelyRight(faces: FaceSearchResult['faces'], rates: SearchRates | undefined, has: boolean): number | undefined {
  if (!rates || faces.read < MIN_FACES_READ || faces.found + faces.tagged === 0) return undefined;
  // Looking for faces without it, the rates swap sides.
  const [hit, miss] = has ? [rates.found, rates.falseAlarms] : [1 - rates.falseAlarms, 1 - rates.found];
  if (hit <= miss) return undefined; // no better than chance: nothing to estimate from
  const p = Math.min(1, Math.max(0, (faces.found / faces.read - miss) / (hit - miss)));
  const right = p > 0 ? (hit * p) / (hit * p + miss * (1 - p)) : 0; // of the faces read that way
  return (faces.tagged + right * faces.found) / (faces.tagged + faces.found);
}

/** Every attribute the library can be searched by, as searchDirection would find each; not
 * one superseded by another (No_Beard's reading is Beard's, reversed). */
export function allSearches(
  library: Library,
  latentKey: string,
  builtin: readonly BuiltinAttribute[] | undefined,
  derived: readonly AttributeRecord[],
): { name: string; search: SearchDirection }[] {
  const mine = derived.flatMap((d) => {
    const search = derivedSearch(library, latentKey, d);
    return search ? [{ name: d.name, search }] : [];
  });
  const shipped = (builtin ?? []).flatMap((b) =>
    b.search && !b.supersededBy && !derived.some((d) => d.name === b.name) ? [{ name: b.name, search: { direction: b.direction, threshold: b.search.threshold } }] : [],
  );
  return [...shipped, ...mine];
}

/** How far `eps` is past the attribute's threshold: positive where the face has it. */
export function attributeMargin(eps: Float32Array, search: SearchDirection): number {
  let s = 0;
  for (let i = 0; i < eps.length; i++) s += eps[i]! * search.direction[i]!;
  return s - search.threshold;
}

/** The names among `searches` whose attribute the model reads `eps` as having, the clearest
 * (farthest past its threshold) first. */
export function readsAs(eps: Float32Array, searches: readonly { name: string; search: SearchDirection }[]): string[] {
  return searches
    .map(({ name, search }) => [name, attributeMargin(eps, search)] as const)
    .filter(([, margin]) => margin > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
}

/**
 * Ids of the photos (not missing) with at least one face that has the attribute (`has`), or
 * one that has not (`!has`), those that show it most clearly first: by their clearest face's
 * distance past the threshold, faces tagged by the user before all. Faces encoded only by
 * another model, and not tagged, are not known yet and count for neither.
 */
export function photosWithAttribute(library: Library, latentKey: string, name: string, search: SearchDirection, has: boolean): FaceSearchResult {
  const clearest = new Map<number, number>();
  const faces = { read: 0, found: 0, tagged: 0 };
  for (const r of projectedFaces(library, latentKey, name, search.direction)) {
    // How far the face is on the side asked for (negative: on the other side).
    const margin = r.tag !== null ? (r.tag === 1 ? Infinity : -Infinity) : r.projected! - search.threshold;
    const toward = has ? margin : -margin;
    if (r.tag === null) faces.read++;
    if (toward > 0) faces[r.tag === null ? 'found' : 'tagged']++;
    if (toward > 0 && toward > (clearest.get(r.photoId) ?? 0)) clearest.set(r.photoId, toward);
  }
  return { photoIds: [...clearest].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id), faces };
}

const digests = new WeakMap<Float32Array, string>();

/** The id of `direction` (of the model `latentKey`, named `name`) in search_directions, new
 * where it is not there yet: then the projections on an earlier direction of the name go. */
function directionId(library: Library, latentKey: string, name: string, direction: Float32Array): number {
  let digest = digests.get(direction);
  if (!digest) {
    digest = createHash('sha256').update(new Uint8Array(direction.buffer, direction.byteOffset, direction.byteLength)).digest('hex').slice(0, 32);
    digests.set(direction, digest);
  }
  const prefix = `${latentKey}\n${name}\n`;
  const id = library.db.prepare('SELECT id FROM search_directions WHERE key = ?').pluck().get(prefix + digest) as number | undefined;
  if (id !== undefined || library.db.readonly) return id ?? -1;
  return library.transaction(() => {
    library.db.prepare('DELETE FROM search_directions WHERE substr(key, 1, length(:prefix)) = :prefix').run({ prefix });
    return Number(library.db.prepare('INSERT INTO search_directions (key) VALUES (?)').run(prefix + digest).lastInsertRowid);
  });
}

/** Drops the projections kept for searches by `name` (a derived attribute deleted). */
export function forgetProjections(library: Library, name: string): void {
  const keys = library.db.prepare('SELECT id, key FROM search_directions').all() as { id: number; key: string }[];
  const drop = library.db.prepare('DELETE FROM search_directions WHERE id = ?');
  for (const k of keys) if (k.key.split('\n')[1] === name) drop.run(k.id);
}

/**
 * Each face a search looks at (its photo not missing; encoded by the model, or tagged): its
 * photo, its tag, and (untagged) its latent projected on `direction`. A projection is read
 * from face_projections where an earlier search left it; the others are computed from the
 * latents and kept there for the next search (so a search after the first reads a number a
 * face, not its latent: bench/library/bench-search.ts).
 */
function projectedFaces(library: Library, latentKey: string, name: string, direction: Float32Array): { photoId: number; tag: number | null; projected?: number }[] {
  const dir = directionId(library, latentKey, name, direction);
  const rows = library.db
    .prepare(
      `SELECT f.id AS faceId, f.photo_id AS photoId, t.value AS tag, fp.value AS kept,
              CASE WHEN f.model_id = :model AND t.value IS NULL AND fp.value IS NULL THEN f.eps END AS eps
       FROM faces f JOIN photos p ON p.id = f.photo_id
       LEFT JOIN tags t ON t.face_id = f.id AND t.attribute = :name
       LEFT JOIN face_projections fp ON fp.face_id = f.id AND fp.direction_id = :dir
       WHERE p.missing = 0 AND (f.model_id = :model OR t.value IS NOT NULL)`,
    )
    .iterate({ model: latentKey, name, dir }) as IterableIterator<{ faceId: number; photoId: number; tag: number | null; kept: number | null; eps: Buffer | null }>;
  const out: { photoId: number; tag: number | null; projected?: number }[] = [];
  const fresh: [number, number][] = [];
  for (const r of rows) {
    if (r.tag !== null) {
      out.push({ photoId: r.photoId, tag: r.tag });
      continue;
    }
    const projected = r.kept ?? dotFloat16(r.eps!, direction);
    if (r.kept === null) fresh.push([r.faceId, projected]);
    out.push({ photoId: r.photoId, tag: null, projected });
  }
  if (fresh.length && dir >= 0) {
    const keep = library.db.prepare('INSERT OR REPLACE INTO face_projections (face_id, direction_id, value) VALUES (?, ?, ?)');
    library.transaction(() => {
      // (Another process may have derived the attribute anew meanwhile, dropping this direction.)
      if (library.db.prepare('SELECT 1 FROM search_directions WHERE id = ?').get(dir) === undefined) return;
      for (const [faceId, value] of fresh) keep.run(faceId, dir, value);
    });
  }
  return out;
}

const remembered = new WeakMap<Library, { question: string; stamp: string; result: FaceSearchResult }>();

/** photosWithAttribute, remembered until the library changes: the pages of a search, and the
 * grid's refreshes, then read the faces once. */
export function photosWithAttributeRemembered(library: Library, latentKey: string, name: string, search: SearchDirection, has: boolean): FaceSearchResult {
  const question = [latentKey, name, search.threshold, has].join('\0');
  const last = remembered.get(library);
  if (last?.question === question && last.stamp === library.changeStamp()) return last.result;
  const outside = library.outsideChanges();
  const result = photosWithAttribute(library, latentKey, name, search, has);
  // Stamped after the search, whose own writes (the projections it kept) change no answer;
  // unless another process wrote meanwhile: then it is asked again next time.
  const stamp = library.outsideChanges() === outside ? library.changeStamp() : '';
  remembered.set(library, { question, stamp, result });
  return result;
}

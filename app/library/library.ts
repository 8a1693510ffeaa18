// The photo library: one SQLite file (WAL, so a reader never waits for a batch that writes)
// behind a small typed API. Rows that hold JSON are checked with a schema when read, and a
// bad row names its table, id and the problem.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { readingOrder } from '../faces/reading-order.js';
import { takenInstant, type DateTaken } from '../imaging/exif-block.js';
import type { Affine, Box, Landmarks } from '../faces/types.js';
import { EditHistorySchema, MaskStrokesSchema, type EditHistory, type MaskStroke, type PhotoOrder, type RemovedPlace } from '../api/contract.js';
import { decodeFloat16, decodeFloat32, encodeFloat16, encodeFloat32 } from './float16.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { nameKey, photoOrderSql, takenWallSql } from './photo-order.js';

export class LibraryError extends Error {
  override name = 'LibraryError';
}

export interface PhotoRecord {
  id: number;
  path: string;
  hash: string;
  size: number;
  mtimeMs: number;
  width: number;
  height: number;
  orientation: number;
  /** Quarter turns clockwise the user gave the photo, after its EXIF orientation: `width`,
   * `height`, the faces and the mask are those of the photo turned (rotation.ts). */
  turns: number;
  missing: boolean;
  /** When the photo was taken, by its EXIF (exif-block.ts dateTaken), as the camera's wall
   * clock read as UTC (format it in UTC); undefined where it has
   * no date, or was not read for one yet (`dateRead`). */
  takenMs?: number;
  /** Whether the file was read for its date: not yet for photos a library from before schema
   * v15 holds, until an import reads them (import.ts). */
  dateRead: boolean;
}

export interface NewPhoto extends Omit<PhotoRecord, 'id' | 'missing' | 'turns' | 'dateRead' | 'takenMs'> {
  taken?: DateTaken;
  thumbnail?: Buffer;
}

export interface NewFace {
  box: Box;
  landmarks: Landmarks;
  /** Crop coordinates -> photo coordinates. */
  transform: Affine;
  score: number;
  eps: Float32Array;
  /** How much more upright the face's crop looks to the model that encoded it than the crop
   * turned half a turn (engine/face-orientation.ts); undefined where not measured. */
  uprightMargin?: number | undefined;
}

export type FacePose = Pick<NewFace, 'landmarks' | 'uprightMargin'>;

export interface FaceRecord extends Omit<NewFace, 'eps'> {
  id: number;
  photoId: number;
  /** The latentKey of the model whose latent (and alignment) the row holds. */
  modelId: string;
}

export interface AttributeQuality {
  method?: string;
  meanDiffAccuracy?: number;
  classifierAccuracy?: number;
  projectedOut?: string[];
  warnings?: string[];
}

export interface AttributeRecord {
  name: string;
  /** The latentKey of the model whose latent space the direction lives in. */
  modelId: string;
  source: 'builtin' | 'derived';
  direction: Float32Array;
  positives: number;
  negatives: number;
  quality: AttributeQuality;
}

export const EditRecipe = z.object({
  sliders: z.record(z.string(), z.number().finite()),
  mix: z.object({ faceId: z.number().int().positive(), weights: z.array(z.number().finite()) }).optional(),
});
export type EditRecipe = z.infer<typeof EditRecipe>;

const point = z.tuple([z.number(), z.number()]);
const BoxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const LandmarksSchema = z.object({ leftEye: point, rightEye: point, nose: point, mouthLeft: point, mouthRight: point });
const AffineSchema = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]);
const QualitySchema = z.object({
  method: z.string().optional(),
  meanDiffAccuracy: z.number().optional(),
  classifierAccuracy: z.number().optional(),
  projectedOut: z.array(z.string()).optional(),
  warnings: z.array(z.string()).optional(),
});

function parseColumn<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LibraryError(`${where}: not JSON: ${text.slice(0, 80)}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new LibraryError(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; ')}`);
  return r.data;
}

/** A photo record's columns: not its thumbnail, a blob read only to serve it (thumbnail()). */
const PHOTO_COLUMNS = `id, path, hash, size, mtime_ms, width, height, orientation, turns, missing, ${takenWallSql()} AS taken_wall_ms, date_read`;

interface PhotoRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  mtime_ms: number;
  width: number;
  height: number;
  orientation: number;
  turns: number;
  missing: number;
  taken_wall_ms: number | null;
  date_read: number;
}

/** A faces row's upright_margin as the record's optional field (NULL: not measured). */
const uprightMarginOf = (m: number | null): { uprightMargin?: number } => (m === null ? {} : { uprightMargin: m });

/** taken_ms (the instant) and taken_offset of a date taken (migrations.ts v19). */
const takenColumns = (taken: DateTaken | undefined): [number | null, number | null] => (taken ? [takenInstant(taken), taken.offsetMinutes ?? null] : [null, null]);

const photoFromRow = (r: PhotoRow): PhotoRecord => ({
  id: r.id,
  path: r.path,
  hash: r.hash,
  size: r.size,
  mtimeMs: r.mtime_ms,
  width: r.width,
  height: r.height,
  orientation: r.orientation,
  turns: r.turns,
  missing: r.missing !== 0,
  ...(r.taken_wall_ms === null ? {} : { takenMs: r.taken_wall_ms }),
  dateRead: r.date_read !== 0,
});

export interface OpenOptions {
  readonly?: boolean;
  /** Stop at this schema version (tests build older libraries with it). */
  schemaVersion?: number;
}

export class Library {
  /** The schema version the file had when it was opened (before migrating). */
  readonly openedAtVersion: number;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
    openedAt: number,
  ) {
    this.openedAtVersion = openedAt;
  }

  static open(file: string, options: OpenOptions = {}): Library {
    if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (err) {
      throw new LibraryError(`${file}: cannot open the library (${(err as Error).message})`);
    }
    try {
      db.pragma('busy_timeout = 10000');
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      const found = options.readonly ? (db.pragma('user_version', { simple: true }) as number) : migrate(db, file, options.schemaVersion ?? SCHEMA_VERSION);
      if (options.readonly && found !== SCHEMA_VERSION) {
        throw new LibraryError(`${file}: library is at schema version ${found}; open it once read-write to migrate it to ${SCHEMA_VERSION}`);
      }
      return new Library(db, file, found);
    } catch (err) {
      db.close();
      if (err instanceof LibraryError) throw err;
      throw new LibraryError(`${file}: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // -- photos -----------------------------------------------------------------------------

  photo(id: number): PhotoRecord | undefined {
    const r = this.db.prepare(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE id = ?`).get(id) as PhotoRow | undefined;
    return r && photoFromRow(r);
  }

  photoByPath(path: string): PhotoRecord | undefined {
    const r = this.db.prepare(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE path = ?`).get(path) as PhotoRow | undefined;
    return r && photoFromRow(r);
  }

  photosByHash(hash: string): PhotoRecord[] {
    return (this.db.prepare(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE hash = ? ORDER BY id`).all(hash) as PhotoRow[]).map(photoFromRow);
  }

  /** Photos whose path is inside a folder (`folderPrefix`, ending in the separator; '' for all),
   * in `order` (photo-order.ts). */
  photosUnder(folderPrefix: string, order: PhotoOrder = 'name'): PhotoRecord[] {
    const sql = `SELECT ${PHOTO_COLUMNS} FROM photos AS p WHERE substr(path, 1, length(?)) = ? ORDER BY ${photoOrderSql(order, 'p')}`;
    return (this.db.prepare(sql).all(folderPrefix, folderPrefix) as PhotoRow[]).map(photoFromRow);
  }

  countPhotos(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM photos WHERE missing = 0').get() as { n: number }).n;
  }

  addPhoto(p: NewPhoto): number {
    const r = this.db
      .prepare(
        'INSERT INTO photos (path, name_key, hash, size, mtime_ms, taken_ms, taken_offset, date_read, width, height, orientation, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)',
      )
      .run(p.path, nameKey(p.path), p.hash, p.size, p.mtimeMs, ...takenColumns(p.taken), p.width, p.height, p.orientation, p.thumbnail ?? null);
    return Number(r.lastInsertRowid);
  }

  /** A changed file at the same path: new content, faces found again by the caller. The
   * user's turn goes too: the file may well have been turned upright in another app. */
  replacePhoto(id: number, p: NewPhoto): void {
    this.db
      .prepare(
        'UPDATE photos SET hash = ?, size = ?, mtime_ms = ?, taken_ms = ?, taken_offset = ?, date_read = 1, width = ?, height = ?, orientation = ?, thumbnail = ?, turns = 0, upright_kept = 0, missing = 0 WHERE id = ?',
      )
      .run(p.hash, p.size, p.mtimeMs, ...takenColumns(p.taken), p.width, p.height, p.orientation, p.thumbnail ?? null, id);
    this.setMask(id, []); // painted on the old pixels
    this.setEditHistory(id, null);
  }

  /** The same content found at a new path (a moved or renamed file): keeps faces, tags and edits. */
  movePhoto(id: number, path: string, size: number, mtimeMs: number): void {
    this.db.prepare('UPDATE photos SET path = ?, name_key = ?, size = ?, mtime_ms = ?, missing = 0 WHERE id = ?').run(path, nameKey(path), size, mtimeMs, id);
  }

  /** The date the photo was taken, read from its file (a photo from before schema v15). */
  setDateTaken(id: number, taken: DateTaken | undefined): void {
    this.db.prepare('UPDATE photos SET taken_ms = ?, taken_offset = ?, date_read = 1 WHERE id = ?').run(...takenColumns(taken), id);
  }

  /** The photo turned (rotation.ts): its quarter turns, its size and thumbnail as turned. */
  setTurns(id: number, turns: number, width: number, height: number, thumbnail: Buffer): void {
    this.db.prepare('UPDATE photos SET turns = ?, width = ?, height = ?, thumbnail = ?, upright_kept = 0 WHERE id = ?').run(turns, width, height, thumbnail, id);
    this.setEditHistory(id, null); // its states hold faces and strokes of the photo unturned
  }

  /** The user says the photo is upright as it is: no turn is suggested for it (until it is
   * turned, or its file changes). */
  keepUpright(id: number): void {
    this.db.prepare('UPDATE photos SET upright_kept = 1 WHERE id = ?').run(id);
  }

  /** Those of `photoIds` the user keeps as they are (keepUpright). */
  keptUpright(photoIds: readonly number[]): Set<number> {
    const rows = this.db.prepare('SELECT id FROM photos WHERE upright_kept = 1 AND id IN (SELECT value FROM json_each(?))').all(JSON.stringify(photoIds)) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  touchPhoto(id: number, mtimeMs: number): void {
    this.db.prepare('UPDATE photos SET mtime_ms = ?, missing = 0 WHERE id = ?').run(mtimeMs, id);
  }

  setMissing(id: number, missing: boolean): void {
    this.db.prepare('UPDATE photos SET missing = ? WHERE id = ?').run(missing ? 1 : 0, id);
  }

  thumbnail(id: number): Buffer | undefined {
    const r = this.db.prepare('SELECT thumbnail FROM photos WHERE id = ?').get(id) as { thumbnail: Buffer | null } | undefined;
    return r?.thumbnail ?? undefined;
  }

  // -- faces ------------------------------------------------------------------------------

  /** Replaces the faces of one photo (found again in new or changed content), with their
   * latents under the model `modelId` (a latentKey). */
  setFaces(photoId: number, modelId: string, faces: readonly NewFace[]): number[] {
    return this.transaction(() => {
      this.db.prepare('DELETE FROM faces WHERE photo_id = ?').run(photoId);
      this.setRemovedFaceBoxes(photoId, []); // they were places in the old content
      return faces.map((f) => this.addFace(photoId, modelId, f));
    });
  }

  addFace(photoId: number, modelId: string, f: NewFace): number {
    const r = this.db
      .prepare('INSERT INTO faces (photo_id, box, landmarks, transform, score, model_id, eps, upright_margin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(photoId, JSON.stringify(f.box), JSON.stringify(f.landmarks), JSON.stringify(f.transform), f.score, modelId, encodeFloat16(f.eps), f.uprightMargin ?? null);
    return Number(r.lastInsertRowid);
  }

  /** The same face found again (its photo turned, rotation.ts): it keeps its id, tags and edits. */
  updateFace(id: number, modelId: string, f: NewFace): void {
    this.db
      .prepare('UPDATE faces SET box = ?, landmarks = ?, transform = ?, score = ?, model_id = ?, eps = ?, upright_margin = ? WHERE id = ?')
      .run(JSON.stringify(f.box), JSON.stringify(f.landmarks), JSON.stringify(f.transform), f.score, modelId, encodeFloat16(f.eps), f.uprightMargin ?? null, id);
  }

  /** Removes a face with its tags and edits. */
  deleteFace(id: number): void {
    this.db.prepare('DELETE FROM faces WHERE id = ?').run(id);
  }

  /** Where the user took a face out of the photo as not one to edit (remove-face.ts), in the
   * photo as turned now, oldest first: looking for faces again passes over these places. */
  removedFaces(photoId: number): RemovedPlace[] {
    const rows = this.db.prepare('SELECT id, box FROM removed_faces WHERE photo_id = ? ORDER BY id').all(photoId) as { id: number; box: string }[];
    return rows.map((r) => ({ id: r.id, box: parseColumn(BoxSchema, r.box, `removed_faces row ${r.id} box`) }));
  }

  /** removedFaces' boxes alone. */
  removedFaceBoxes(photoId: number): Box[] {
    return this.removedFaces(photoId).map((r) => r.box);
  }

  addRemovedFaceBox(photoId: number, box: Box): void {
    this.db.prepare('INSERT INTO removed_faces (photo_id, box) VALUES (?, ?)').run(photoId, JSON.stringify(BoxSchema.parse(box)));
  }

  /** Forgets these places of removed faces (bring-back). */
  forgetRemovedFaces(ids: readonly number[]): void {
    const forget = this.db.prepare('DELETE FROM removed_faces WHERE id = ?');
    this.transaction(() => ids.forEach((id) => forget.run(id)));
  }

  /** Replaces the photo's removed-face places (turned with the photo; [] forgets them). */
  setRemovedFaceBoxes(photoId: number, boxes: readonly Box[]): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM removed_faces WHERE photo_id = ?').run(photoId);
      for (const b of boxes) this.addRemovedFaceBox(photoId, b);
    });
  }

  /** The face's alignment and latent under another model (face-latents.ts); the face keeps
   * its id, tags and edits. */
  setFaceLatent(id: number, modelId: string, f: Pick<NewFace, 'transform' | 'eps' | 'uprightMargin'>): void {
    this.db
      .prepare('UPDATE faces SET model_id = ?, transform = ?, eps = ?, upright_margin = ? WHERE id = ?')
      .run(modelId, JSON.stringify(f.transform), encodeFloat16(f.eps), f.uprightMargin ?? null, id);
  }

  private faceFromRow(r: { id: number; photo_id: number; box: string; landmarks: string; transform: string; score: number; model_id: string; upright_margin: number | null }): FaceRecord {
    const where = `faces row ${r.id}`;
    return {
      id: r.id,
      photoId: r.photo_id,
      modelId: r.model_id,
      score: r.score,
      box: parseColumn(BoxSchema, r.box, `${where} box`),
      landmarks: parseColumn(LandmarksSchema, r.landmarks, `${where} landmarks`) as Landmarks,
      transform: parseColumn(AffineSchema, r.transform, `${where} transform`) as Affine,
      ...uprightMarginOf(r.upright_margin),
    };
  }

  face(id: number): FaceRecord | undefined {
    const r = this.db.prepare('SELECT id, photo_id, box, landmarks, transform, score, model_id, upright_margin FROM faces WHERE id = ?').get(id) as Parameters<Library['faceFromRow']>[0] | undefined;
    return r && this.faceFromRow(r);
  }

  /** In reading order, which the studio numbers them in (a turned photo's faces keep their ids). */
  facesOfPhoto(photoId: number): FaceRecord[] {
    const rows = this.db.prepare('SELECT id, photo_id, box, landmarks, transform, score, model_id, upright_margin FROM faces WHERE photo_id = ? ORDER BY id').all(photoId);
    return readingOrder((rows as Parameters<Library['faceFromRow']>[0][]).map((r) => this.faceFromRow(r)));
  }

  /** How the faces of each of `photoIds` lie: landmarks and upright margin (one query, for a
   * page of photos; rotation.ts). */
  facePosesOfPhotos(photoIds: readonly number[]): Map<number, FacePose[]> {
    const rows = this.db
      .prepare('SELECT id, photo_id, landmarks, upright_margin FROM faces WHERE photo_id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(photoIds)) as { id: number; photo_id: number; landmarks: string; upright_margin: number | null }[];
    const found = new Map<number, FacePose[]>();
    for (const r of rows) {
      const pose: FacePose = {
        landmarks: parseColumn(LandmarksSchema, r.landmarks, `faces row ${r.id} landmarks`) as Landmarks,
        ...uprightMarginOf(r.upright_margin),
      };
      const faces = found.get(r.photo_id);
      if (faces) faces.push(pose);
      else found.set(r.photo_id, [pose]);
    }
    return found;
  }

  /** The photos with a face whose latent another model encoded (face-latents.ts). */
  photosWithFacesNotOf(modelId: string): Set<number> {
    const rows = this.db.prepare('SELECT DISTINCT photo_id FROM faces WHERE model_id <> ?').all(modelId) as { photo_id: number }[];
    return new Set(rows.map((r) => r.photo_id));
  }

  faceEps(id: number, epsSize?: number): Float32Array {
    const r = this.db.prepare('SELECT eps FROM faces WHERE id = ?').get(id) as { eps: Buffer } | undefined;
    if (!r) throw new LibraryError(`no face with id ${id} in the library`);
    try {
      return decodeFloat16(r.eps, epsSize);
    } catch (err) {
      throw new LibraryError(`faces row ${id} eps: ${(err as Error).message}`);
    }
  }

  countFaces(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM faces').get() as { n: number }).n;
  }

  /** Differs after every write to the library, by this connection or another process: what
   * a remembered query result is checked against. */
  changeStamp(): string {
    const { n } = this.db.prepare('SELECT total_changes() AS n').get() as { n: number };
    return `${this.outsideChanges()}:${n}`;
  }

  /** Moves when another connection (another process) commits a change; never for this one's. */
  outsideChanges(): number {
    return Number(this.db.pragma('data_version', { simple: true }));
  }

  // -- tags -------------------------------------------------------------------------------

  setTag(faceId: number, attribute: string, has: boolean): void {
    if (!this.face(faceId)) throw new LibraryError(`no face with id ${faceId} in the library`);
    this.db.prepare('INSERT INTO tags (face_id, attribute, value) VALUES (?, ?, ?) ON CONFLICT (face_id, attribute) DO UPDATE SET value = excluded.value').run(faceId, attribute, has ? 1 : 0);
  }

  removeTag(faceId: number, attribute: string): void {
    this.db.prepare('DELETE FROM tags WHERE face_id = ? AND attribute = ?').run(faceId, attribute);
  }

  /** The face's tags: attribute -> has it. */
  tagsOf(faceId: number): Record<string, boolean> {
    const rows = this.db.prepare('SELECT attribute, value FROM tags WHERE face_id = ?').all(faceId) as { attribute: string; value: number }[];
    return Object.fromEntries(rows.map((r) => [r.attribute, r.value === 1]));
  }

  /** Faces tagged for `attribute` (a tag is the user's word on a face, whatever model). */
  tagged(attribute: string): { faceId: number; has: boolean }[] {
    const rows = this.db
      .prepare('SELECT face_id AS faceId, value FROM tags WHERE attribute = ? ORDER BY face_id')
      .all(attribute) as { faceId: number; value: number }[];
    return rows.map((r) => ({ faceId: r.faceId, has: r.value === 1 }));
  }

  tagCounts(): { attribute: string; has: number; hasNot: number }[] {
    return this.db.prepare('SELECT attribute, sum(value) AS has, sum(1 - value) AS hasNot FROM tags GROUP BY attribute ORDER BY attribute').all() as {
      attribute: string;
      has: number;
      hasNot: number;
    }[];
  }

  // -- attributes -------------------------------------------------------------------------

  saveAttribute(a: AttributeRecord): void {
    this.db
      .prepare(
        `INSERT INTO attributes (name, model_id, direction, positives, negatives, source, quality, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))
         ON CONFLICT (name, model_id) DO UPDATE SET direction = excluded.direction, positives = excluded.positives, negatives = excluded.negatives,
           source = excluded.source, quality = excluded.quality, created_at = excluded.created_at`,
      )
      .run(a.name, a.modelId, encodeFloat32(a.direction), a.positives, a.negatives, a.source, JSON.stringify(a.quality));
  }

  attributes(modelId: string): AttributeRecord[] {
    return this.attributeRows(this.db.prepare('SELECT * FROM attributes WHERE model_id = ? ORDER BY name').all(modelId));
  }

  /** The newest of each derived attribute that exists for other models but not `modelId`. */
  derivedForOtherModels(modelId: string): AttributeRecord[] {
    return this.attributeRows(
      this.db
        .prepare(
          `SELECT * FROM attributes a WHERE source = 'derived' AND model_id <> ?
             AND NOT EXISTS (SELECT 1 FROM attributes b WHERE b.name = a.name AND b.model_id = ?)
             AND a.id = (SELECT c.id FROM attributes c WHERE c.name = a.name AND c.source = 'derived' ORDER BY c.created_at DESC, c.id DESC LIMIT 1)
           ORDER BY name`,
        )
        .all(modelId, modelId),
    );
  }

  private attributeRows(all: unknown[]): AttributeRecord[] {
    const rows = all as {
      id: number;
      name: string;
      model_id: string;
      direction: Buffer;
      positives: number;
      negatives: number;
      source: 'builtin' | 'derived';
      quality: string;
    }[];
    return rows.map((r) => ({
      name: r.name,
      modelId: r.model_id,
      source: r.source,
      direction: decodeFloat32(r.direction),
      positives: r.positives,
      negatives: r.negatives,
      quality: parseColumn(QualitySchema, r.quality, `attributes row ${r.id} quality`),
    }));
  }

  // -- settings ---------------------------------------------------------------------------

  /** A setting saved by `saveSetting`, if there is one that `schema` accepts. */
  setting<T>(name: string, schema: z.ZodType<T>): T | undefined {
    const r = this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: string } | undefined;
    const parsed = r ? schema.safeParse(JSON.parse(r.value)) : undefined;
    return parsed?.success ? parsed.data : undefined;
  }

  saveSetting(name: string, value: unknown): void {
    this.db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, JSON.stringify(value));
  }

  // -- edits ------------------------------------------------------------------------------

  // (edits.mask, from schema v1, is unused: the brush mask is the photo's, in photo_masks.)
  /** Saves a face's recipe. One that changes nothing (every slider at 0, no mix, or a mix at
   * 0: "Reset face", say) removes the face's edit, so that the photo no longer counts as
   * edited (its badge, and what Export takes). */
  saveEdit(photoId: number, faceId: number, recipe: EditRecipe): void {
    const checked = EditRecipe.parse(recipe);
    const changes = Object.values(checked.sliders).some((v) => v !== 0) || (checked.mix?.weights.some((w) => w !== 0) ?? false);
    if (!changes) {
      this.db.prepare('DELETE FROM edits WHERE photo_id = ? AND face_id = ?').run(photoId, faceId);
      return;
    }
    this.db
      .prepare('INSERT INTO edits (photo_id, face_id, recipe) VALUES (?, ?, ?) ON CONFLICT (photo_id, face_id) DO UPDATE SET recipe = excluded.recipe')
      .run(photoId, faceId, JSON.stringify(checked));
  }

  /** The photo's brush mask (strokes in photo pixels), [] when none. */
  maskOf(photoId: number): MaskStroke[] {
    const r = this.db.prepare('SELECT strokes FROM photo_masks WHERE photo_id = ?').get(photoId) as { strokes: string } | undefined;
    return r ? parseColumn(MaskStrokesSchema, r.strokes, `photo_masks row ${photoId}`) : [];
  }

  setMask(photoId: number, strokes: readonly MaskStroke[]): void {
    this.setPhotoJson('photo_masks', 'strokes', MaskStrokesSchema, photoId, strokes.length ? strokes : null);
  }

  /** The editor's undo history of the photo, null when none was saved. One that no longer
   * parses (written by a newer studio, say), or that mixes with a face no longer in the library
   * (undoing into it could not be rendered), is dropped: it is only a convenience. */
  editHistoryOf(photoId: number): EditHistory | null {
    const r = this.db.prepare('SELECT history FROM edit_histories WHERE photo_id = ?').get(photoId) as { history: string } | undefined;
    if (!r) return null;
    const parsed = EditHistorySchema.safeParse(JSON.parse(r.history));
    if (!parsed.success) return null;
    const { past, present, future } = parsed.data;
    const partners = new Set([...past, present, ...future].flatMap((s) => Object.values(s.recipes).flatMap((recipe) => (recipe.mix ? [recipe.mix.faceId] : []))));
    return [...partners].every((id) => this.face(id)) ? parsed.data : null;
  }

  setEditHistory(photoId: number, history: EditHistory | null): void {
    this.setPhotoJson('edit_histories', 'history', EditHistorySchema, photoId, history);
  }

  /** A photo's row in a table of one JSON value per photo: checked and set, or removed (null). */
  private setPhotoJson<T>(table: 'photo_masks' | 'edit_histories', column: 'strokes' | 'history', schema: z.ZodType<T>, photoId: number, value: unknown): void {
    if (value === null) {
      this.db.prepare(`DELETE FROM ${table} WHERE photo_id = ?`).run(photoId);
      return;
    }
    const checked = schema.parse(value);
    this.db
      .prepare(`INSERT INTO ${table} (photo_id, ${column}) VALUES (?, ?) ON CONFLICT (photo_id) DO UPDATE SET ${column} = excluded.${column}`)
      .run(photoId, JSON.stringify(checked));
  }

  editsOfPhoto(photoId: number): { faceId: number; recipe: EditRecipe }[] {
    const rows = this.db.prepare('SELECT face_id, recipe FROM edits WHERE photo_id = ? ORDER BY face_id').all(photoId) as { face_id: number; recipe: string }[];
    return rows.map((r) => ({ faceId: r.face_id, recipe: parseColumn(EditRecipe, r.recipe, `edits row ${photoId}/${r.face_id} recipe`) }));
  }
}

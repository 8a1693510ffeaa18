// The library's schema, one function per version. PRAGMA user_version holds the version a
// file is at; opening runs every later migration in one transaction each, so a library made
// by any older studio comes up to date (and a crash mid-migration leaves the older version).
import { sep } from 'node:path';
import type Database from 'better-sqlite3';
import { forgetKnownPhotos } from '../jobs/known-photos.js';
import { isInFolder } from '../jobs/photo-files.js';
import { nameKey } from './photo-order.js';

export type Migration = (db: Database.Database) => void;

export const MIGRATIONS: readonly Migration[] = [
  // v1: photos, faces, tags, attributes, edits.
  (db) =>
    db.exec(`
    CREATE TABLE photos (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL UNIQUE,
      hash TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime_ms REAL NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      orientation INTEGER NOT NULL DEFAULT 1,
      thumbnail BLOB,
      imported_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE INDEX photos_hash ON photos(hash);
    CREATE TABLE faces (
      id INTEGER PRIMARY KEY,
      photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
      box TEXT NOT NULL,
      landmarks TEXT NOT NULL,
      transform TEXT NOT NULL,
      score REAL NOT NULL,
      model_id TEXT NOT NULL,
      eps BLOB NOT NULL
    );
    CREATE INDEX faces_photo ON faces(photo_id);
    CREATE TABLE tags (
      face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
      attribute TEXT NOT NULL,
      value INTEGER NOT NULL CHECK (value IN (0, 1)),
      PRIMARY KEY (face_id, attribute)
    );
    CREATE TABLE attributes (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      model_id TEXT NOT NULL,
      direction BLOB NOT NULL,
      positives INTEGER NOT NULL,
      negatives INTEGER NOT NULL,
      UNIQUE (name, model_id)
    );
    CREATE TABLE edits (
      photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
      face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
      recipe TEXT NOT NULL,
      PRIMARY KEY (photo_id, face_id)
    );
  `),
  // v2: attribute provenance and quality, missing photos (moved or deleted), edit masks,
  // batch jobs and their items.
  (db) =>
    db.exec(`
    ALTER TABLE attributes ADD COLUMN source TEXT NOT NULL DEFAULT 'derived' CHECK (source IN ('builtin', 'derived'));
    ALTER TABLE attributes ADD COLUMN quality TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE attributes ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE photos ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE edits ADD COLUMN mask BLOB;
    CREATE TABLE jobs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled', 'done')),
      spec TEXT NOT NULL,
      created_at TEXT NOT NULL DEFAULT (datetime('now')),
      updated_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE job_items (
      job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      idx INTEGER NOT NULL,
      source TEXT NOT NULL,
      output TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'committing', 'done', 'failed')),
      faces INTEGER,
      error TEXT,
      ms REAL,
      PRIMARY KEY (job_id, idx)
    );
    CREATE INDEX job_items_state ON job_items(job_id, state);
  `),
  // v3: which process runs a job ("host:pid"), so two processes never run the same job.
  (db) => db.exec('ALTER TABLE jobs ADD COLUMN owner TEXT'),
  // v4: the editor's brush mask of a photo: strokes (JSON, photo pixels) that take its edits back.
  (db) => db.exec('CREATE TABLE photo_masks (photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE, strokes TEXT NOT NULL)'),
  // v5: faces a batch left as they were because the model could not render the edit on them.
  (db) => db.exec('ALTER TABLE job_items ADD COLUMN unedited INTEGER NOT NULL DEFAULT 0'),
  // v6: the quarter turns clockwise the user gave a photo, after its EXIF orientation (rotation.ts).
  (db) => db.exec('ALTER TABLE photos ADD COLUMN turns INTEGER NOT NULL DEFAULT 0 CHECK (turns BETWEEN 0 AND 3)'),
  // v7: whether a face's crop looks upright to the model that encoded it (engine/face-orientation.ts);
  // NULL until measured (faces encoded before, or by a model whose encoder gives no bits/dim).
  (db) => db.exec('ALTER TABLE faces ADD COLUMN upright_margin REAL'),
  // v8: photos a batch edited turned half a turn because their faces looked upside down (face-edit.ts).
  (db) => db.exec('ALTER TABLE job_items ADD COLUMN upside_down INTEGER NOT NULL DEFAULT 0'),
  // v9: the editor's undo history of a photo (JSON, api/contract.ts EditHistorySchema), so that
  // undo reaches across restarts.
  (db) => db.exec('CREATE TABLE edit_histories (photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE, history TEXT NOT NULL)'),
  // v10: the user said the photo is upright as it is (people lying down, say): no turn is
  // suggested for it, whatever its faces look like (rotation.ts).
  (db) => db.exec('ALTER TABLE photos ADD COLUMN upright_kept INTEGER NOT NULL DEFAULT 0'),
  // v11: the studio's settings (model bundle, device), as JSON by name.
  (db) => db.exec('CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)'),
  // v12: the folders the library keeps up with: those the user imported, and those under them
  // the user removed (import-folders.ts). A library from before learns the folders it imported
  // from its import jobs, those with photos in the library still.
  (db) => {
    db.exec("CREATE TABLE library_folders (path TEXT PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('imported', 'removed')))");
    const specs = db.prepare("SELECT spec FROM jobs WHERE kind = 'import'").pluck().all() as string[];
    const folders = [...new Set(specs.map((s) => (JSON.parse(s) as { folder?: unknown }).folder).filter((f): f is string => typeof f === 'string'))];
    const hasPhotos = db.prepare('SELECT 1 FROM photos WHERE substr(path, 1, length(?)) = ? LIMIT 1').pluck();
    const kept = folders.filter((f) => hasPhotos.get(f + sep, f + sep) !== undefined);
    const insert = db.prepare("INSERT INTO library_folders (path, state) VALUES (?, 'imported')");
    // A folder imported under another one is part of it.
    for (const f of kept) if (!kept.some((g) => g !== f && isInFolder(f, g))) insert.run(f);
  },
  // v13: each face's latent projected on the directions the library was searched by
  // (attribute-search.ts), so a later search reads a number a face, not its whole latent.
  // A direction is its model, name and a digest of its values; a projection goes with its face,
  // when the face's latent changes, and with its direction.
  (db) =>
    db.exec(`
    CREATE TABLE search_directions (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
    CREATE TABLE face_projections (
      face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
      direction_id INTEGER NOT NULL REFERENCES search_directions(id) ON DELETE CASCADE,
      value REAL NOT NULL,
      PRIMARY KEY (face_id, direction_id)
    ) WITHOUT ROWID;
    CREATE INDEX face_projections_direction ON face_projections(direction_id);
    CREATE TRIGGER face_latent_changed AFTER UPDATE OF eps, model_id ON faces
    BEGIN
      DELETE FROM face_projections WHERE face_id = NEW.id;
    END;
  `),
  // v14: an ended import keeps, of the photos the library already knew, only their number
  // (jobs/known-photos.ts).
  (db) => {
    db.exec('ALTER TABLE jobs ADD COLUMN known_items INTEGER NOT NULL DEFAULT 0');
    const ended = db.prepare("SELECT id FROM jobs WHERE kind = 'import' AND state IN ('done', 'cancelled')").pluck().all() as number[];
    for (const id of ended) forgetKnownPhotos(db, id);
  },
  // v15: the orders of photo-order.ts: each photo's name key, and the date it was taken (EXIF).
  // Photos already in the library have no date until an import reads their files again
  // (date_read = 0; import.ts reads the date of a known photo that has none read).
  (db) => {
    db.exec(`
      ALTER TABLE photos ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
      ALTER TABLE photos ADD COLUMN taken_ms REAL;
      ALTER TABLE photos ADD COLUMN date_read INTEGER NOT NULL DEFAULT 0;
    `);
    const setKey = db.prepare('UPDATE photos SET name_key = ? WHERE id = ?');
    for (const p of db.prepare('SELECT id, path FROM photos').all() as { id: number; path: string }[]) setKey.run(nameKey(p.path), p.id);
    db.exec(`
      CREATE INDEX photos_name_key ON photos(name_key, id);
      CREATE INDEX photos_taken ON photos(coalesce(taken_ms, mtime_ms), name_key, id);
    `);
  },
  // v16: an import's photos found at a new path (moved or renamed), counted as it ends.
  (db) => db.exec('ALTER TABLE jobs ADD COLUMN moved_items INTEGER NOT NULL DEFAULT 0'),
  // v17: the places in a photo where the user took a face out as not one to edit (a false find,
  // remove-face.ts), so that looking for faces again does not bring it back. Box JSON, in the
  // photo as turned now.
  (db) =>
    db.exec(`
      CREATE TABLE removed_faces (id INTEGER PRIMARY KEY, photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE, box TEXT NOT NULL);
      CREATE INDEX removed_faces_photo ON removed_faces(photo_id);
    `),
  // v18: a saved edit whose mix partner leaves the library (its folder removed, its photo's
  // content changed, or the face not found again after a turn) loses the mix, and is removed
  // where nothing else is left of it: the mix could no longer be rendered, and the photo's
  // export would fail. (Undo histories that mix with it are dropped as they are read: Library
  // editHistoryOf.) The index finds the edits that mix with a face.
  (db) =>
    db.exec(`
      CREATE INDEX edits_mix_partner ON edits(json_extract(recipe, '$.mix.faceId'));
      CREATE TRIGGER mix_partner_gone AFTER DELETE ON faces BEGIN
        DELETE FROM edits WHERE json_extract(recipe, '$.mix.faceId') = OLD.id
          AND NOT EXISTS (SELECT 1 FROM json_each(recipe, '$.sliders') WHERE value <> 0);
        UPDATE edits SET recipe = json_remove(recipe, '$.mix') WHERE json_extract(recipe, '$.mix.faceId') = OLD.id;
      END;
    `),
  // v19: the time zone a photo records with its date (EXIF OffsetTimeOriginal, minutes east of
  // UTC, NULL where none), and taken_ms the instant it stands for (exif-block.ts takenInstant),
  // so that photos from different time zones, and files dated by their mtime, order right. The
  // photos with a date are read again at the next import (their header only) for their zone.
  (db) =>
    db.exec(`
      ALTER TABLE photos ADD COLUMN taken_offset INTEGER;
      UPDATE photos SET date_read = 0 WHERE taken_ms IS NOT NULL;
    `),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to SCHEMA_VERSION; refuses a library from a newer studio. Returns the version it found. */
export function migrate(db: Database.Database, file: string, upTo = SCHEMA_VERSION): number {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (!Number.isInteger(found) || found < 0) throw new Error(`${file}: schema version '${found}' is not a version number`);
  if (found > MIGRATIONS.length) {
    throw new Error(`${file}: the library is at schema version ${found}, newer than this studio understands (${MIGRATIONS.length}); update Glow Studio`);
  }
  for (let v = found; v < upTo; v++) {
    db.transaction(() => {
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return found;
}

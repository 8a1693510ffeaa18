// An ended import keeps, of the photos the library already knew, only their number: a look for
// new photos lists every photo of the folders the library keeps up with, and a row for each
// would stay in the library at every look. The photos read and analysed (new or changed) and
// the failed ones stay, with their names: they are what the import's notice and its list of
// unreadable files say. JobStore.counts adds the number back.
import type Database from 'better-sqlite3';

export function forgetKnownPhotos(db: Database.Database, jobId: number): void {
  const known = "job_id = ? AND state = 'done' AND faces IS NULL";
  db.prepare(`UPDATE jobs SET known_items = known_items + (SELECT count(*) FROM job_items WHERE ${known}) WHERE id = ?`).run(jobId, jobId);
  db.prepare(`DELETE FROM job_items WHERE ${known}`).run(jobId);
}

// Work another process does on the library: a `glow-studio import` or batch in a terminal, a
// second studio. SQLite's data_version moves only when another connection commits, so polling
// it is cheap, and the studio's own writes never wake it.
import type { Library } from '../library/library.js';

/** Calls `onChange` at most every `everyMs` while other processes change the library; returns
 * the function that stops watching (before the library is closed). */
export function watchOutsideChanges(library: Library, onChange: () => void, everyMs = 1500): () => void {
  let seen = library.outsideChanges();
  const timer = setInterval(() => {
    const now = library.outsideChanges();
    if (now === seen) return;
    seen = now;
    onChange();
  }, everyMs);
  timer.unref(); // the watch alone does not keep the process alive
  return () => clearInterval(timer);
}

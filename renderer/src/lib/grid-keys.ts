// Moving the focus in the library's grid of photos with the keyboard, as in a photo manager's
// grid: arrow keys by one tile or one row, Home and End to the first and last.

/**
 * The index of the tile a key moves the focus to, in a grid of `count` tiles laid out
 * `columns` to a row, from the tile at `at`; undefined for a key that does not move it.
 * ArrowDown from above a short last row goes to the last tile; past the grid's edge the focus
 * stays. Tiles that cannot take the focus (`focusable` false: a file that could not be read)
 * are passed over in the key's direction.
 */
export function gridTarget(at: number, key: string, columns: number, count: number, focusable: (index: number) => boolean): number | undefined {
  const cols = Math.max(1, columns);
  const lastRow = Math.floor((count - 1) / cols);
  const moves: Record<string, [to: number, direction: 1 | -1]> = {
    ArrowLeft: [at - 1, -1],
    ArrowRight: [at + 1, 1],
    ArrowUp: [at - cols, -1],
    ArrowDown: [Math.floor(at / cols) < lastRow ? Math.min(at + cols, count - 1) : count, 1],
    Home: [0, 1],
    End: [count - 1, -1],
  };
  const move = moves[key];
  if (!move) return undefined;
  for (let [to, direction] = move; to >= 0 && to < count; to += direction) if (focusable(to)) return to;
  return at;
}

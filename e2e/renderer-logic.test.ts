// The renderer's plain logic, without a browser: the repaint throttle (one request in flight,
// latest value wins), undo/redo history, the StudioApi client's HTTP transport, zoom maths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestOnly } from '../renderer/src/lib/latest-only.js';
import { editHistory, historyToSave, photoHistories } from '../renderer/src/lib/edit-history.js';
import { editsKey, type EditorState } from '../renderer/src/lib/edit-state.js';
import { createStudioClient, StudioCallError } from '../renderer/src/lib/studio-client.js';
import { fitView, zoomAt } from '../renderer/src/lib/canvas-view.js';
import { userMessage } from '../renderer/src/lib/error-message.js';
import { editedFolder, sameFolder } from '../renderer/src/lib/format.js';
import { removalChoices } from '../renderer/src/lib/folder-removal.js';
import { folderRows } from '../renderer/src/lib/folder-tree.js';

test('latestOnly never runs two at once and skips to the latest value', async () => {
  const ran: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const runner = latestOnly(async (v: number) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 20));
    ran.push(v);
    inFlight--;
  });
  for (let i = 1; i <= 10; i++) runner.offer(i);
  await runner.idle();
  assert.equal(maxInFlight, 1);
  assert.deepEqual(ran, [1, 10]);
});

test('latestOnly keeps going after a failing task', async () => {
  const ran: number[] = [];
  const runner = latestOnly(async (v: number) => {
    if (v === 1) throw new Error('boom');
    ran.push(v);
  });
  runner.offer(1);
  runner.offer(2);
  await runner.idle();
  assert.deepEqual(ran, [2]);
});

test('editHistory undoes and redoes, and a new edit clears redo', () => {
  const h = editHistory('a');
  h.push('b');
  h.push('c');
  assert.equal(h.undo(), 'b');
  assert.equal(h.undo(), 'a');
  assert.equal(h.undo(), undefined);
  assert.equal(h.redo(), 'b');
  h.push('d');
  assert.equal(h.canRedo, false);
  assert.equal(h.undo(), 'b');
});

test('a photo opened again goes on with its history, unless its edits changed meanwhile', () => {
  const histories = photoHistories<string>((a, b) => a === b, 2);
  const first = histories.open(1, 'a');
  first.push('b');
  histories.open(2, 'x');
  const again = histories.open(1, 'b');
  assert.equal(again.undo(), 'a', 'undo reaches the edit made before leaving the photo');
  assert.equal(histories.open(1, 'z').canUndo, false, 'the library holds other edits now: a new history');
  histories.open(1, 'z').push('y');
  histories.open(2, 'x');
  histories.open(3, 'p'); // photo 1 is now the least recently opened of three: its history goes
  assert.equal(histories.open(1, 'y').canUndo, false);
});

test('a photo opened after a restart goes on with the history the library saved, if it ends at the photo\'s edits', () => {
  const before = editHistory('a');
  before.push('b');
  before.push('c');
  before.undo();
  const saved = before.snapshot();
  assert.deepEqual(saved, { past: ['a'], present: 'b', future: ['c'] });

  const after = photoHistories<string>((a, b) => a === b).open(1, 'b', saved);
  assert.equal(after.redo(), 'c');
  assert.equal(after.undo(), 'b');
  assert.equal(after.undo(), 'a');
  assert.equal(photoHistories<string>((a, b) => a === b).open(1, 'z', saved).canUndo, false, 'the photo was edited elsewhere since: a new history');
  const histories = photoHistories<string>((a, b) => a === b);
  histories.open(1, 'b').push('m');
  assert.equal(histories.open(1, 'm', saved).undo(), 'b', 'this session\'s history comes first');
});

test('the history saved is the states nearest the present, fewer while it is over the size a request may have', () => {
  const h = { past: ['p1', 'p2', 'p3', 'p4'], present: 'now', future: ['f2', 'f1'] }; // f1 is the next redo
  assert.deepEqual(historyToSave(h, { states: 3 }), { past: ['p2', 'p3', 'p4'], present: 'now', future: ['f2', 'f1'] });
  const big = (n: number) => 'x'.repeat(n);
  const sized = { past: [big(400), big(400), big(400)], present: big(400), future: [big(400)] };
  const kept = historyToSave(sized, { bytes: 1500 })!;
  assert.equal(kept.past.length + kept.future.length, 2, 'two of the four others dropped');
  assert.ok(JSON.stringify(kept).length <= 1500);
  assert.deepEqual([kept.past.length, kept.future.length], [1, 1], 'from the longer side first');
  assert.equal(historyToSave({ past: [], present: big(2000), future: [] }, { bytes: 1500 }), null);
});

test('editsKey: the same edits give the same key, whatever the key order, zero sliders or untouched faces', () => {
  const mix = { faceId: 9, amount: 0.5, levels: [0, 1, 1, 0] };
  const local: EditorState = { recipes: { 3: { sliders: { Smiling: 0.5, Age: 0 }, mix: null }, 4: { sliders: { Age: 0 }, mix: null }, 2: { sliders: {}, mix } }, mask: [] };
  const saved: EditorState = { recipes: { 2: { mix: { levels: [0, 1, 1, 0], amount: 0.5, faceId: 9 }, sliders: {} }, 3: { sliders: { Smiling: 0.5 }, mix: null } }, mask: [] };
  assert.equal(editsKey(local), editsKey(saved));
  assert.notEqual(editsKey(local), editsKey({ ...saved, recipes: { ...saved.recipes, 3: { sliders: { Smiling: 0.6 }, mix: null } } }));
  const mixAtZero = { sliders: { Age: 0 }, mix: { ...mix, amount: 0 } };
  assert.equal(editsKey({ ...local, recipes: { ...local.recipes, 5: mixAtZero } }), editsKey(local), 'a mix at 0 is no edit, as in the library');
});

test('the HTTP client posts JSON to /api/<method> and surfaces { error } messages', async () => {
  const calls: { url: string; init: RequestInit }[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (url.endsWith('/tagFace')) return new Response(JSON.stringify({ error: "tagFace: attribute: letters, digits, spaces, - and _ only" }), { status: 400 });
    return new Response(JSON.stringify({ bundleDir: '/m', device: 'cpu' }), { status: 200 });
  }) as typeof fetch;
  try {
    const api = createStudioClient(undefined);
    assert.deepEqual(await api.getSettings({}), { bundleDir: '/m', device: 'cpu' });
    assert.equal(calls[0]!.url, '/api/getSettings');
    assert.equal(calls[0]!.init.method, 'POST');
    assert.equal(calls[0]!.init.credentials, 'same-origin');
    await assert.rejects(api.tagFace({ faceId: 1, attribute: '!!', value: true }), (err: unknown) => {
      assert.ok(err instanceof StudioCallError);
      assert.equal(err.status, 400);
      assert.match(err.message, /letters, digits/);
      return true;
    });
    const msg = userMessage('Tag the face', new StudioCallError('tagFace', 'tagFace: attribute: letters only', 400));
    assert.match(msg.what, /^Tag the face failed: attribute: letters only\.$/);
    assert.match(msg.todo, /Check the value/);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test('the client uses the Electron bridge when there is one', async () => {
  const seen: [string, unknown][] = [];
  const api = createStudioClient({
    call: async (method, payload) => {
      seen.push([method, payload]);
      if (method === 'getPhoto') throw new Error("Error invoking remote method 'studio:call': ApiError: getPhoto: no photo 9");
      return { ok: true };
    },
    onEvent: () => () => {},
  });
  assert.deepEqual(await api.listJobs({}), { ok: true });
  assert.deepEqual(seen[0], ['listJobs', {}]);
  await assert.rejects(api.getPhoto({ photoId: 9 }), /^StudioCallError: getPhoto: no photo 9$/);
});

test('zoom keeps the point under the cursor still, and fit centres the photo', () => {
  const v = fitView(1000, 500, 1200, 800, 0);
  assert.equal(v.scale, 1.2);
  assert.equal(v.y, (800 - 600) / 2);
  const z = zoomAt(v, 2.4, 300, 300);
  const before = [(300 - v.x) / v.scale, (300 - v.y) / v.scale];
  const after = [(300 - z.x) / z.scale, (300 - z.y) / z.scale];
  assert.ok(Math.abs(before[0]! - after[0]!) < 1e-9 && Math.abs(before[1]! - after[1]!) < 1e-9);
});

test('a batch writes into its folder\'s "edited" subfolder by default, with the folder\'s own separator', () => {
  assert.equal(editedFolder('/home/ann/Pictures/party'), '/home/ann/Pictures/party/edited');
  assert.equal(editedFolder('/home/ann/Pictures/party/'), '/home/ann/Pictures/party/edited');
  assert.equal(editedFolder('C:\\Users\\ann\\Pictures'), 'C:\\Users\\ann\\Pictures\\edited');
  assert.equal(editedFolder(''), '');
});

test('sameFolder: the folder photos share, or none', () => {
  assert.equal(sameFolder(['/p/party/a.jpg', '/p/party/b.jpg']), '/p/party');
  assert.equal(sameFolder(['/p/party/a.jpg', '/p/other/b.jpg']), '');
  assert.equal(sameFolder(['C:\\p\\a.jpg', 'C:\\p\\b.jpg']), 'C:\\p');
  assert.equal(sameFolder(['/a.jpg']), '/');
  assert.equal(sameFolder([]), '');
});

test('removing a folder offers the folder, and each folder above it that holds more of the library', () => {
  const folders = [
    { path: '/home/ann/Pictures/2019/party', photos: 6 },
    { path: '/home/ann/Pictures/2019/party/day 2', photos: 2 },
    { path: '/home/ann/Pictures/2019/trip', photos: 10 },
    { path: '/home/ann/Pictures/2019-old', photos: 1 },
    { path: '/home/ann/Pictures/2020', photos: 5 },
  ];
  assert.deepEqual(removalChoices('/home/ann/Pictures/2019/party', folders), [
    { path: '/home/ann/Pictures/2019/party', photos: 8, folders: 2 },
    { path: '/home/ann/Pictures/2019', photos: 18, folders: 3 },
    { path: '/home/ann/Pictures', photos: 24, folders: 5 },
  ]);
  assert.deepEqual(removalChoices('/home/ann/Pictures/2020', folders), [
    { path: '/home/ann/Pictures/2020', photos: 5, folders: 1 },
    { path: '/home/ann/Pictures', photos: 24, folders: 5 },
  ]);
  assert.deepEqual(removalChoices('/photos', [{ path: '/photos', photos: 3 }, { path: '/other', photos: 1 }]), [{ path: '/photos', photos: 3, folders: 1 }], 'never the root');
  assert.deepEqual(removalChoices('C:\\p\\a', [{ path: 'C:\\p\\a', photos: 1 }, { path: 'C:\\p\\b', photos: 2 }]), [
    { path: 'C:\\p\\a', photos: 1, folders: 1 },
    { path: 'C:\\p', photos: 3, folders: 2 },
  ]);
});

test('the sidebar lists folders as a tree: subfolders right after their folder, indented, in file-manager order', () => {
  const rows = folderRows([
    { path: '/p/remove-me-2', photos: 1 },
    { path: '/p/remove-me/day 10', photos: 1 },
    { path: '/p/remove-me', photos: 2 },
    { path: '/p/remove-me/day 2', photos: 3 },
    { path: '/p/remove-me/day 2/raw/x', photos: 1 },
    { path: '/q', photos: 4 },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.path, r.depth, r.name, r.inTree]),
    [
      ['/p/remove-me', 0, 'remove-me', 7],
      ['/p/remove-me/day 2', 1, 'day 2', 4],
      ['/p/remove-me/day 2/raw/x', 2, 'raw/x', 1],
      ['/p/remove-me/day 10', 1, 'day 10', 1],
      ['/p/remove-me-2', 0, 'remove-me-2', 1],
      ['/q', 0, 'q', 4],
    ],
  );
});

test('top folders of the same name are told apart by the folders above them', () => {
  const rows = folderRows([
    { path: '/home/me/Work/2019', photos: 1 },
    { path: '/home/me/Family/2019', photos: 2 },
    { path: '/home/me/Family/2019/beach', photos: 1 },
    { path: '/mnt/old/Family/2019', photos: 3 },
    { path: '/2019', photos: 1 },
    { path: '/home/me/2020', photos: 1 },
    { path: 'C:\\Users\\me\\2021', photos: 1 },
    { path: 'D:\\2021', photos: 1 },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.path, r.name]).sort(),
    [
      ['/2019', '2019'],
      ['/home/me/2020', '2020'],
      ['/home/me/Family/2019', 'me/Family/2019'],
      ['/home/me/Family/2019/beach', 'beach'],
      ['/home/me/Work/2019', 'Work/2019'],
      ['/mnt/old/Family/2019', 'old/Family/2019'],
      ['C:\\Users\\me\\2021', 'me\\2021'],
      ['D:\\2021', 'D:\\2021'],
    ],
  );
});

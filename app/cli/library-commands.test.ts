// The library commands as a user runs them: import, photos, tag, derive, edit, export, batch, jobs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { JobStore } from '../jobs/job-store.js';
import { bundleWithAttributes } from '../jobs/test-bundle.js';
import { Library } from '../library/library.js';
import { libraryPath } from '../library/location.js';
import { OUTPUT_MARKER } from '../jobs/photo-files.js';
import { writeTestPhotos } from '../jobs/test-photos.js';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'glow-libcli-'));
const photos = join(dir, 'photos');
const bundle = join(dir, 'bundle');
const lib = join(dir, 'lib');

// As bin/glow-studio.js runs it.
const cliScript = (args: string[]) => `const { main } = await import(${JSON.stringify(CLI)}); process.exitCode = await main(${JSON.stringify(args)});`;
const cliOptions = () => ({ cwd: dir, env: { ...process.env, GLOW_STUDIO_LIBRARY: lib } });

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', cliScript(args)], { encoding: 'utf8', ...cliOptions() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  await bundleWithAttributes(bundle);
  await writeTestPhotos(photos, 10, { width: 320, height: 240, faces: 1 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('import, tag, derive, edit and export through the command line', async () => {
  let r = run('import', photos, '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /10 photos scanned, 10 added, 0 changed, 0 moved, 0 unchanged, 0 missing, 0 failed; 10 faces found/);
  r = run('import', photos, '--bundle', bundle);
  assert.match(r.stdout, /0 added, 0 changed, 0 moved, 10 unchanged/);
  // Each import is a job in the library, as the studio's are (a studio open on it shows them).
  r = run('jobs', 'list');
  assert.match(r.stdout, new RegExp(`^1\timport\tdone\t10/10 done, 0 failed\t${photos}\n2\timport\tdone\t10/10 done, 0 failed\t${photos}\n$`));
  r = run('jobs', 'resume', '2');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /job 2 is an import: only batches are resumed; import the folder again \(the photos already in are skipped\)/);

  r = run('photos', '--json');
  const rows = JSON.parse(r.stdout) as { id: number; faces: number[] }[];
  const faces = rows.flatMap((p) => p.faces);
  assert.equal(faces.length, 10);

  r = run('tag', ...faces.slice(0, 3).map(String), '--attr', 'freckles', '--yes');
  assert.equal(r.code, 0, r.stderr);
  r = run('tag', ...faces.slice(3, 6).map(String), '--attr', 'freckles', '--no');
  assert.match(r.stdout, /now 3 with, 3 without/);
  r = run('derive', 'freckles', '--bundle', bundle, '--project-out', 'age,male');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: only 3 faces with and 3 without the attribute; tag at least 5 of each/);
  assert.match(r.stdout, /freckles \(model fixture-tiny-32\): 3 with, 3 without; leave-one-out accuracy: mean difference \d+%, ridge classifier \d+%; .*with Age \(built-in\), Male \(built-in\) projected out/);
  // Searching by attribute: the faces tagged decide, the rest as the model reads them.
  const found = (...args: string[]) => {
    const out = run('photos', '--json', '--bundle', bundle, ...args);
    assert.equal(out.code, 0, out.stderr);
    return (JSON.parse(out.stdout) as { id: number; faces: number[] }[]).map((p) => p.faces[0]!);
  };
  const withFreckles = found('--with', 'freckles');
  const withoutFreckles = found('--without', 'freckles');
  assert.deepEqual([...withFreckles, ...withoutFreckles].sort((a, b) => a - b), [...faces].sort((a, b) => a - b), 'one face a photo: each on one side');
  for (const f of faces.slice(0, 3)) assert.ok(withFreckles.includes(f));
  for (const f of faces.slice(3, 6)) assert.ok(withoutFreckles.includes(f));
  assert.equal(found('--with', 'smile').length + found('--without', 'smile').length, 10, '"smile" finds Smiling');
  r = run('photos', '--with', 'age', '--bundle', bundle);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'Age' cannot be searched by: the model fixture-tiny-32 does not tell it well enough/);
  r = run('photos', '--with', 'age', '--without', 'smile');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--with or --without, not both/);
  r = run('tag', '999', '--attr', 'freckles', '--yes');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no face with id 999/);

  r = run('edit', String(faces[0]), '--set', 'freckles=1.5', '--set', 'smile=0.5', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /edit saved \(freckles\+1\.5_Smiling\+0\.5\)/, 'saved under the attributes\' own names, as the studio saves them');
  r = run('edit', String(faces[8]), String(faces[9]), '--set', 'smile=0.25', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`faces ${faces[8]}, ${faces[9]}: edit saved \\(Smiling\\+0\\.25\\)`));
  r = run('edit', String(faces[8]), '999', '--set', 'smile=0.5', '--bundle', bundle);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no face with id 999/);
  r = run('edit', String(faces[0]), '--set', 'dimples=1', '--bundle', bundle);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown attribute 'dimples'/);
  // Smaller faces: none more in these one-face photos; an id not in the library is named.
  r = run('smaller-faces', String(rows[2]!.id), '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^photo ${rows[2]!.id} \\(photo-002\\.jpg\\): 0 face\\(s\\) added, 1 in all$`, 'm'));
  r = run('smaller-faces', '999');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no photo with id 999/);
  // A face mix: one share for every level, or one per level; a recipe the export can render.
  r = run('edit', String(faces[1]), '--mix-face', String(faces[2]), '--mix', '0,1', '--bundle', bundle);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--mix '0,1' gives 2 shares: give one for every level, or \d+ \(one per level of fixture-tiny-32, finest first\)/);
  r = run('edit', String(faces[1]), '--mix-face', String(faces[2]), '--mix', '1', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`face ${faces[1]}: edit saved \\(no sliders, mix with face ${faces[2]}\\)`));
  r = run('export', String(rows[1]!.id), '--out', join(dir, 'mixed'), '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /exported 1 photo\(s\)/);
  r = run('export', String(rows[0]!.id), '--out', join(dir, 'exported'), '--bundle', bundle, '--format', 'webp', '--name', '{name}-{attrs}');
  assert.equal(r.code, 0, r.stderr);
  const [file, ...more] = readdirSync(join(dir, 'exported')).filter((f) => f !== OUTPUT_MARKER);
  assert.deepEqual([file, ...more], ['photo-000-freckles+1.5_Smiling+0.5.webp']);
  assert.ok(existsSync(join(dir, 'exported', OUTPUT_MARKER)), 'marked as an output folder, so imports of a folder above leave it out');
  r = run('export', String(rows[0]!.id), '--out', photos, '--bundle', bundle);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the output folder .* holds the photos to edit/);
  assert.equal((await sharp(join(dir, 'exported', file!)).metadata()).width, 320);

  // A derived attribute resolves in a batch next to the built-in ones.
  r = run('batch', photos, '--set', 'freckles=1', '--set', 'smile=0.3', '--out', join(dir, 'batch-out'), '--bundle', bundle, '--format', 'png');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /freckles = 1 \(freckles \(derived\)\)/);
  assert.match(r.stdout, /job 3 done: 10 exported, 0 failed, 0 left of 10; [\d.]+ photos\/min/);
  assert.ok(existsSync(join(dir, 'batch-out', 'photo-009.png')));
  r = run('jobs');
  assert.match(r.stdout, /^3\tbatch\tdone\t10\/10 done, 0 failed/m);
  // Only the faces the model reads as not smiling (a job of its own).
  r = run('batch', photos, '--set', 'smile=0.3', '--only-without', 'smile', '--out', join(dir, 'only-out'), '--bundle', bundle, '--format', 'png');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /only the faces the model reads as without Smiling; the others are left as they are/);
  assert.match(r.stdout, /job 4 done: 10 exported, 0 failed/);
  r = run('batch', photos, '--set', 'smile=0.3', '--only-with', 'age', '--out', join(dir, 'only-out-2'), '--bundle', bundle);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'Age' cannot be searched by/);
  r = run('jobs', 'cancel', '3');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /job 3 is already done/);
  r = run('batch', photos, '--set', 'smile=x', '--out', join(dir, 'o'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--set wants name=amount \(e\.g\. smile=0\.6\), got 'smile=x'/);

  // Deleting the derived attribute: the saved edit loses its slider; the tags stay.
  r = run('derive', 'freckles', '--remove', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^deleted freckles: 1 saved face edit\(s\) on 1 photo\(s\) lost its slider, 0 photo\(s\) had their undo history cleared; its tags stay/);
  r = run('edit', String(faces[0]), '--set', 'freckles=1', '--bundle', bundle);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown attribute 'freckles'/);
  r = run('derive', 'freckles', '--remove', '--bundle', bundle);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no attribute 'freckles' of yours in the library/);
  r = run('tag', String(faces[0]), '--attr', 'freckles', '--yes');
  assert.match(r.stdout, /now 3 with, 3 without/, 'its tags stayed');

  // Removing faces: one mixed into another face's edit is refused; one removed stays out of a
  // second look for faces until brought back.
  r = run('remove-face', String(faces[2]));
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`face ${faces[2]} is mixed into the edit of .*photo-001\\.jpg; take that mix out first`));
  r = run('remove-face', String(faces[9]));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `face ${faces[9]} removed from photo ${rows[9]!.id} (photo-009.jpg), with its edit; 0 face(s) left\n`);
  r = run('smaller-faces', String(rows[9]!.id), '--bundle', bundle);
  assert.match(r.stdout, /: 0 face\(s\) added, 0 in all$/m);
  r = run('smaller-faces', String(rows[9]!.id), '--bring-back', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(photo-009\.jpg\): 1 face\(s\) added, 1 in all$/m);
  r = run('remove-face', '999');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no face with id 999/);
  // Every photo of the library at once: nothing more in these one-face photos.
  r = run('smaller-faces', '--all', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'looked again in 10 photo(s): 0 face(s) added\n');
  assert.equal(run('smaller-faces').code, 2);
  assert.equal(run('smaller-faces', '--all', '1').code, 2);
});

test('a batch names each photo that failed, goes on, and exits 3', () => {
  const folder = join(dir, 'with-bad');
  mkdirSync(folder);
  copyFileSync(join(photos, 'photo-000.jpg'), join(folder, 'good.jpg'));
  writeFileSync(join(folder, 'broken.jpg'), 'not a photo');
  const r = run('batch', folder, '--set', 'smile=0.3', '--out', join(dir, 'with-bad-out'), '--bundle', bundle);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /failed: .*broken\.jpg/);
  assert.match(r.stdout, /done: 1 exported, 1 failed, 0 left of 2/);
});

test('Ctrl-C stops a batch resumably and exits 130; the same command finishes it', async () => {
  const folder = join(dir, 'many');
  mkdirSync(folder);
  for (let i = 0; i < 40; i++) copyFileSync(join(photos, `photo-${String(i % 10).padStart(3, '0')}.jpg`), join(folder, `p${String(i).padStart(2, '0')}.jpg`));
  const args = ['batch', folder, '--set', 'smile=0.3', '--out', join(dir, 'many-out'), '--bundle', bundle, '--concurrency', '1'];
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', cliScript(args)], cliOptions());
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (/batch \[#*[^\]]*\] [1-9]/.test(stderr)) child.kill('SIGINT'); // after the first photo
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stdout, /job \d+ paused: \d+ exported/);
  assert.doesNotMatch(stderr, /terminate called|Napi::Error/);
  const r = run(...args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming job \d+, the same folder/);
  assert.equal(readdirSync(join(dir, 'many-out')).filter((f) => !f.startsWith('.')).length, 40);
});

test('rotate turns a library photo and finds its faces again; photos shows the turn', () => {
  let r = run('photos', '--json');
  const photo = (JSON.parse(r.stdout) as { id: number; width: number; height: number; faces: number[] }[])[1]!;
  r = run('rotate', String(photo.id), '--by', '180', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`photo ${photo.id} \\(photo-001\\.jpg\\): now turned 180 degrees from the file; 1 face\\(s\\) found, \\d kept with their tags and edits, \\d dropped`));
  r = run('photos');
  assert.match(r.stdout, new RegExp(`^${photo.id}\\t320x240\\tfaces \\d+\\t.*photo-001\\.jpg \\(turned 180 degrees\\)$`, 'm'));
  r = run('rotate', String(photo.id), '--by', '45');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /rotate needs --by 90, 180, 270 \(degrees clockwise; -90 turns left\) or auto, got '45'/);
  r = run('rotate', '999', '--by', '90', '--bundle', bundle);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no photo with id 999 in the library/);

  // Upside down now, its face found the wrong way up: --by auto cannot tell, and leaves it.
  r = run('rotate', String(photo.id), '--by', 'auto', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^photo ${photo.id} \\(photo-001\\.jpg\\): no quarter turn shows more upright faces than the photo as it is; left as it is`, 'm'));
  r = run('rotate', String(photo.id), '--by', '180', '--bundle', bundle);
  assert.match(r.stdout, /now as the file has it/);

  // Turned a quarter turn, its face lies on its side: photos says so, and --upright turns it back.
  r = run('rotate', String(photo.id), '--by', '90', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  r = run('photos');
  assert.match(r.stdout, new RegExp(`^${photo.id}\\t240x320\\t.*\\(turned 90 degrees, its faces lie on their side: glow-studio rotate ${photo.id} --by 270, or rotate --upright for all such photos, or rotate ${photo.id} --keep if it is upright as it is\\)$`, 'm'));
  r = run('rotate', '--upright', '--bundle', bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^photo ${photo.id} \\(photo-001\\.jpg\\): now as the file has it; 1 face\\(s\\) found`, 'm'));
  r = run('rotate', '--upright', '--bundle', bundle);
  assert.match(r.stdout, /no photo in the library has all its faces lying on their side or looking upside down/);

  // A photo the user keeps as it is (someone lying down) is no longer marked, nor turned by --upright.
  r = run('rotate', String(photo.id), '--by', '90', '--bundle', bundle);
  r = run('rotate', String(photo.id), '--keep');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^photo ${photo.id} \\(photo-001\\.jpg\\): kept as it is; no turn is suggested for it`, 'm'));
  r = run('photos');
  assert.match(r.stdout, new RegExp(`^${photo.id}\\t240x320\\t.*\\(turned 90 degrees\\)$`, 'm'));
  r = run('rotate', '--upright', '--bundle', bundle);
  assert.match(r.stdout, /no photo in the library has all its faces lying on their side or looking upside down/);
  r = run('rotate', String(photo.id), '--keep', '--by', '90');
  assert.equal(r.code, 2);
  r = run('rotate', '--upright', '3');
  assert.equal(r.code, 2);
});

test('remove takes a folder out of the library only with --yes, and leaves its files', async () => {
  const own = ['--library', join(dir, 'remove-lib')];
  const folder = join(dir, 'to-remove');
  const files = await writeTestPhotos(join(folder, 'sub'), 2, { width: 320, height: 240, faces: 1 });
  let r = run('import', '--bundle', bundle, ...own);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /no folder imported into this library yet: glow-studio import <folder> first/);
  r = run('import', folder, '--bundle', bundle, ...own);
  assert.equal(r.code, 0, r.stderr);
  // import alone looks for new photos in the folders imported, but not in those removed.
  await writeTestPhotos(join(folder, 'later'), 1, { width: 320, height: 240, faces: 1, seed: 4 });
  r = run('import', '--bundle', bundle, ...own);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^imported ${folder} \\(job \\d+\\): 3 photos scanned, 1 added, 0 changed, 0 moved, 2 unchanged`));
  // The job keeps the new photo by name, the two the library knew as a number.
  const shown = run('jobs', 'show', /\(job (\d+)\)/.exec(r.stdout)![1]!, ...own).stdout.trim().split('\n');
  assert.equal(shown.length, 2, shown.join('\n'));
  assert.match(shown[0]!, /\tdone\t.*later\/photo-000\.jpg\t/);
  assert.equal(shown[1], '(and 2 photos the library already knew, not listed)');
  r = run('remove', join(folder, 'later'), '--yes', ...own);
  assert.match(r.stdout, /glow-studio import alone leaves it out; import the folder itself to bring the photos back, as new/);
  r = run('import', '--bundle', bundle, ...own);
  assert.match(r.stdout, /: 2 photos scanned, 0 added, 0 changed, 0 moved, 2 unchanged/);
  r = run('import', join(folder, 'later'), '--bundle', bundle, ...own);
  assert.match(r.stdout, /: 1 photos scanned, 1 added/);
  r = run('remove', join(folder, 'later'), '--yes', ...own);
  assert.equal(r.code, 0, r.stderr);
  assert.match(run('jobs', ...own).stdout, new RegExp(`\\timport\\tdone\\t2/2 done, 0 failed\\t${folder}\\n`), 'a look for new photos, listed with its folders');
  r = run('remove', folder, ...own);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${folder}: 2 photo\\(s\\), 2 face\\(s\\), 0 photo\\(s\\) with an edit, 0 face\\(s\\) with tags would be removed from the library \\(the files stay\\); nothing removed: add --yes`));
  assert.equal((JSON.parse(run('photos', '--json', ...own).stdout) as unknown[]).length, 2);
  // Refused while another live process (here, this test's) runs a job on its photos: a studio's import, say.
  const lib = Library.open(libraryPath(join(dir, 'remove-lib')));
  const store = new JobStore(lib);
  const jobId = store.create('import', { folder }, files.map((source) => ({ source, output: '' })));
  store.claim(jobId);
  r = run('remove', folder, '--yes', ...own);
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`to-remove: job ${jobId} \\(import\\) of process ${process.pid} is working on its photos; let it finish, or stop it, then remove the folder`));
  store.setState(jobId, 'done');
  store.release(jobId);
  lib.close();
  r = run('remove', folder, '--yes', ...own);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^removed .*to-remove from the library: 2 photo\(s\), 2 face\(s\)/);
  assert.deepEqual(JSON.parse(run('photos', '--json', ...own).stdout), []);
  assert.ok(files.every((f) => existsSync(f)));
  r = run('remove', folder, '--yes', ...own);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /to-remove: no photos of this folder or its subfolders in the library/);
});

test('export goes on past a photo it cannot read, names it, and exits 3', async () => {
  const own = ['--library', join(dir, 'export-lib'), '--bundle', bundle];
  const folder = join(dir, 'to-export');
  const files = await writeTestPhotos(folder, 3, { width: 320, height: 240, faces: 1, seed: 7 });
  assert.equal(run('import', folder, ...own).code, 0);
  const ids = (JSON.parse(run('photos', '--json', ...own).stdout) as { id: number; path: string }[]).sort((a, b) => (a.path < b.path ? -1 : 1)).map((p) => String(p.id));
  rmSync(files[1]!); // gone since the import
  const out = join(dir, 'export-out');
  const r = run('export', ...ids, '--out', out, ...own);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`skipped: ${files[1]!}`));
  assert.match(r.stdout, /exported 2 photo\(s\) to .*export-out; 1 failed/);
  assert.deepEqual(readdirSync(out).filter((f) => f !== OUTPUT_MARKER).sort(), ['photo-000.jpg', 'photo-002.jpg']);
});

test('photos lists by name, newest or oldest first, with the dates taken', async () => {
  const own = ['--library', join(dir, 'dates-lib'), '--bundle', bundle];
  const folder = join(dir, 'dated');
  await writeTestPhotos(folder, 3, { width: 320, height: 240, faces: 1, seed: 9, exif: true }); // taken 1 Jan, 7 Feb, 15 Mar 2020
  assert.equal(run('import', folder, ...own).code, 0);
  const names = (order: string) => (JSON.parse(run('photos', '--json', '--order', order, ...own).stdout) as { path: string; taken: string }[]).map((p) => `${basename(p.path)} ${p.taken}`);
  assert.deepEqual(names('newest'), ['photo-002.jpg 2020-03-15T09:30:02', 'photo-001.jpg 2020-02-07T09:30:01', 'photo-000.jpg 2020-01-01T09:30:00']);
  assert.deepEqual(names('oldest'), [...names('newest')].reverse());
  let r = run('photos', ...own);
  assert.match(r.stdout, /photo-000\.jpg \(taken 2020-01-01 09:30:00\)\n/);
  assert.ok(r.stdout.indexOf('photo-000') < r.stdout.indexOf('photo-001'), 'by name by default');
  r = run('photos', '--order', 'size', ...own);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--order must be name, newest or oldest, got 'size'/);
});

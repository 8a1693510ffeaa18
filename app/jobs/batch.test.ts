// The batch as a user runs it: outputs on disk, rows in the library, originals untouched,
// broken files recorded, and a process killed with SIGKILL at random points that always
// resumes to a complete, duplicate-free set of outputs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { GlowEngine } from '../engine/engine.js';
import { FaceDetector } from '../faces/detect.js';
import { loadBuiltinAttributes } from '../library/builtin-attributes.js';
import { Library } from '../library/library.js';
import { BatchRunner, createBatchJob, runsBatchModel, type ProgressEvent } from './batch.js';
import { batchContext } from './batch-context.js';
import { ExportOptions } from './export.js';
import { jobInfo } from './job-info.js';
import { JobStore } from './job-store.js';
import { OutputFolderError } from './output-folder.js';
import { listPhotos, OUTPUT_MARKER } from './photo-files.js';
import { resolveAttributes } from './recipe.js';
import { bundleWithAttributes } from './test-bundle.js';
import { writeBadPhotos, writeTestPhoto, writeTestPhotos } from './test-photos.js';
import { fixtureDir } from '../engine/test-support.js';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'glow-batch-'));
const bundle = join(dir, 'bundle');
const photos = join(dir, 'photos');
let good: string[] = [];
let bad: string[] = [];

/** The files under `d`, without the batch's output marker (a dot file). */
function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name === OUTPUT_MARKER ? [] : [join(d, e.name)]));
}

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

function cli(args: string[]): ChildProcess {
  const script = `const { main } = await import(${JSON.stringify(CLI)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finish(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return new Promise((res) => child.on('close', (code, signal) => res({ code, signal, out })));
}

before(async () => {
  await bundleWithAttributes(bundle);
  // Enough photos that 20 kills land while work remains, even on a fast idle machine.
  good = await writeTestPhotos(photos, 60, { width: 360, height: 270, faces: [1, 2], exif: true }, 2);
  bad = await writeBadPhotos(join(photos, 'set-0'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A library file of its own, the engine and a face detector for one test, closed after it. */
async function withModel(libName: string, run: (lib: Library, engine: GlowEngine, detector: FaceDetector) => Promise<void>): Promise<void> {
  const lib = Library.open(join(dir, libName));
  const engine = await GlowEngine.open(bundle, { device: 'cpu' });
  const detector = await FaceDetector.open();
  try {
    await run(lib, engine, detector);
  } finally {
    await detector.close();
    await engine.close();
    lib.close();
  }
}

test('a batch exports every good photo, records each bad one with its error, and leaves the originals as they were', async () => {
  const before = new Map([...good, ...bad].map((f) => [f, sha(f)]));
  await withModel('inproc.sqlite', async (lib, engine, detector) => {
    const out = join(dir, 'out-inproc');
    const builtin = await loadBuiltinAttributes(bundle, engine.manifest);
    const sliders = { smile: 0.8, age: -0.3 };
    const r = resolveAttributes(Object.keys(sliders), builtin, [], { bundleDir: bundle, modelId: engine.latentKey });
    const { jobId } = await createBatchJob(lib, {
      source: photos,
      out,
      recipe: { sliders },
      bundle,
      modelId: engine.latentKey,
      export: ExportOptions.parse({ template: '{name}-{attrs}' }),
    });
    const runner = new BatchRunner(lib, jobId, { engine, detector, directions: r.directions, sliders }, { concurrency: 2 });
    const events: ProgressEvent[] = [];
    runner.on('progress', (e) => events.push(e));
    const summary = await runner.run();
    assert.equal(summary.state, 'done');
    assert.equal(summary.counts.done, good.length);
    assert.equal(summary.counts.failed, 3);
    const failed = new JobStore(lib).items(jobId, 'failed');
    assert.deepEqual(failed.map((i) => basename(i.source)).sort(), ['bad-empty.jpg', 'bad-text.jpg', 'bad-truncated.jpg']);
    assert.match(failed.find((i) => i.source.endsWith('bad-empty.jpg'))!.error!, /bad-empty\.jpg: file is empty/);
    assert.match(failed.find((i) => i.source.endsWith('bad-text.jpg'))!.error!, /not an image/);
    assert.match(failed.find((i) => i.source.endsWith('bad-truncated.jpg'))!.error!, /truncated or corrupt/);
    // Mirrored subfolders, the name template, every output a decodable JPEG of the source's size.
    const outputs = walk(out).map((f) => relative(out, f)).sort();
    assert.deepEqual(outputs, good.map((f) => relative(photos, f).replace(/\.jpg$/, '-smile+0.8_age-0.3.jpg')).sort());
    for (const f of walk(out)) {
      const m = await sharp(f).metadata();
      assert.equal(m.format, 'jpeg');
      assert.deepEqual([m.width, m.height], [360, 270]);
    }
    // The faces changed; the corners (far from any face) did not move beyond JPEG noise.
    const src = await sharp(good[0]!).raw().toBuffer();
    const dst = await sharp(join(out, relative(photos, good[0]!).replace(/\.jpg$/, '-smile+0.8_age-0.3.jpg'))).raw().toBuffer();
    let changed = 0;
    for (let i = 0; i < src.length; i++) if (Math.abs(src[i]! - dst[i]!) > 16) changed++;
    assert.ok(changed > 100, `only ${changed} values changed`);
    assert.ok(Math.abs(src[0]! - dst[0]!) <= 8, 'Math.abs(src[0]! - dst[0]!) <= 8');
    // Progress: done/total and an ETA, ending complete.
    const last = events.at(-1)!;
    assert.equal(last.done + last.failed, last.total);
    assert.ok(events.length >= good.length, 'events.length >= good.length');
    for (const [f, h] of before) assert.equal(sha(f), h, `${f} was modified`);
  });
});

test('a face the model cannot render the edit on is left as it was, and the photo is still exported', async () => {
  const folder = join(dir, 'too-strong');
  const files = await writeTestPhotos(folder, 2, { width: 360, height: 270, faces: 1, format: 'png' });
  await withModel('too-strong.sqlite', async (lib, engine, detector) => {
    const out = join(dir, 'out-too-strong');
    // Far beyond anything the model can decode, even at the smallest strength decodeEdit tries.
    const directions = { Smiling: new Float32Array(engine.manifest.eps_size).fill(1000) };
    const sliders = { Smiling: 1 };
    const { jobId } = await createBatchJob(lib, { source: folder, out, recipe: { sliders }, bundle, modelId: engine.latentKey, export: ExportOptions.parse({}) });
    const summary = await new BatchRunner(lib, jobId, { engine, detector, directions, sliders }).run();
    assert.deepEqual([summary.state, summary.counts.done, summary.counts.failed], ['done', 2, 0]);
    const items = new JobStore(lib).items(jobId);
    assert.deepEqual(items.map((i) => [i.faces, i.unedited]), [[1, 1], [1, 1]]);
    assert.deepEqual(jobInfo(new JobStore(lib), jobId).unedited, files);
    // Lossless output: the photo exactly as it was.
    for (const f of files) {
      const [src, dst] = await Promise.all([sharp(f).raw().toBuffer(), sharp(join(out, basename(f))).raw().toBuffer()]);
      assert.ok(src.equals(dst), `${basename(f)} came out unchanged`);
    }
  });
});

test('a batch of only the faces with (or without) an attribute leaves the other faces as they were', async () => {
  const folder = join(dir, 'only-some');
  const files = await writeTestPhotos(folder, 2, { width: 360, height: 270, faces: 1, format: 'png' });
  await withModel('only-some.sqlite', async (lib, engine, detector) => {
    const sliders = { Smiling: 0.5 };
    const directions = async () => ({ Smiling: new Float32Array(engine.manifest.eps_size).fill(0.01) });
    // A threshold no face reaches: no face has "Beaming".
    const search = (name: string) => {
      assert.equal(name, 'Beaming');
      return { direction: new Float32Array(engine.manifest.eps_size).fill(1), threshold: 1e9 };
    };
    const unchanged = (out: string) => Promise.all(files.map(async (f) => (await sharp(f).raw().toBuffer()).equals(await sharp(join(out, basename(f))).raw().toBuffer())));
    for (const has of [true, false]) {
      const out = join(dir, `out-only-${has}`);
      const { jobId } = await createBatchJob(lib, { source: folder, out, recipe: { sliders }, bundle, modelId: engine.latentKey, export: ExportOptions.parse({}), faces: { attribute: 'Beaming', has } });
      const { context } = await batchContext(lib, jobId, { engine, detector, directions, search });
      const summary = await new BatchRunner(lib, jobId, context).run();
      assert.deepEqual([summary.state, summary.counts.done, summary.counts.failed], ['done', 2, 0]);
      assert.deepEqual(new JobStore(lib).items(jobId).map((i) => [i.faces, i.unedited]), [[1, 0], [1, 0]], 'faces found; none failed');
      // Only faces with it: none, so the photos come out as they were; without it: every face is edited.
      assert.deepEqual(await unchanged(out), has ? [true, true] : [false, false]);
    }
    // A runner that cannot look attributes up cannot run such a job.
    const { jobId } = await createBatchJob(lib, { source: folder, out: join(dir, 'out-only-none'), recipe: { sliders }, bundle, modelId: engine.latentKey, export: ExportOptions.parse({}), faces: { attribute: 'Beaming', has: true } });
    await assert.rejects(batchContext(lib, jobId, { engine, detector, directions }), /edits only faces by 'Beaming', which this runner cannot look up/);
  });
});

test('a photo without a face is exported unchanged and named in the job (faceless)', async () => {
  const folder = join(dir, 'faceless');
  const [withFace, without] = [join(folder, 'a-face.png'), join(folder, 'b-none.png')];
  mkdirSync(folder, { recursive: true });
  await writeTestPhoto(withFace, { width: 360, height: 270, faces: 1, format: 'png' });
  await writeTestPhoto(without, { width: 360, height: 270, faces: 0, format: 'png' });
  await withModel('faceless.sqlite', async (lib, engine, detector) => {
    const sliders = { Smiling: 0.5 };
    const directions = { Smiling: new Float32Array(engine.manifest.eps_size).fill(0.01) };
    const { jobId } = await createBatchJob(lib, { source: folder, out: join(dir, 'out-faceless'), recipe: { sliders }, bundle, modelId: engine.latentKey, export: ExportOptions.parse({}) });
    const summary = await new BatchRunner(lib, jobId, { engine, detector, directions, sliders }).run();
    assert.deepEqual([summary.state, summary.counts.done], ['done', 2]);
    const info = jobInfo(new JobStore(lib), jobId);
    assert.deepEqual([info.faceless, info.unedited, info.upsideDown], [[without], [], []]);
  });
});

test('a batch resumes with the model it began with, or, made before latent keys, one of its id', () => {
  const engine = { latentKey: 'face-64@0123456789ab', manifest: { model_id: 'face-64' } } as Parameters<typeof runsBatchModel>[1];
  assert.equal(runsBatchModel({ modelId: 'face-64@0123456789ab' }, engine), true);
  assert.equal(runsBatchModel({ modelId: 'face-64' }, engine), true, 'a job paused before the upgrade');
  assert.equal(runsBatchModel({ modelId: 'face-64@ba9876543210' }, engine), false, 'face-64 retrained');
  assert.equal(runsBatchModel({ modelId: 'fixture-tiny-32' }, engine), false);
});

test('pause holds the batch, resume continues it, cancel stops it for good', async () => {
  await withModel('pause.sqlite', async (lib, engine, detector) => {
    const builtin = await loadBuiltinAttributes(bundle, engine.manifest);
    const sliders = { Male: 0.5 };
    const r = resolveAttributes(['Male'], builtin, [], { bundleDir: bundle, modelId: engine.latentKey });
    const spec = { source: photos, out: join(dir, 'out-pause'), recipe: { sliders }, bundle, modelId: engine.latentKey, export: ExportOptions.parse({ format: 'png' }) };
    const { jobId } = await createBatchJob(lib, spec);
    const runner = new BatchRunner(lib, jobId, { engine, detector, directions: r.directions, sliders }, { concurrency: 1 });
    let items = 0;
    runner.on('item', () => {
      items++;
      if (items === 2) {
        runner.pause();
        setTimeout(() => {
          assert.equal(items, 2, 'no photo finished while paused');
          assert.equal(new JobStore(lib).state(jobId), 'paused');
          runner.resume();
        }, 300);
      }
      if (items === 5) runner.cancel();
    });
    const summary = await runner.run();
    assert.equal(summary.state, 'cancelled');
    assert.equal(summary.counts.done + summary.counts.failed, 5);
    assert.equal(walk(spec.out).length, summary.counts.done);
    await assert.rejects(() => new BatchRunner(lib, jobId, { engine, detector, directions: r.directions, sliders }).run(), /cancelled/);
    // The same batch again is a new job; it never overwrites the first job's files.
    const again = await createBatchJob(lib, spec);
    assert.notEqual(again.jobId, jobId);
    const s2 = await new BatchRunner(lib, again.jobId, { engine, detector, directions: r.directions, sliders }).run();
    assert.equal(s2.counts.done, good.length);
    const names = walk(spec.out).map((f) => basename(f));
    assert.equal(names.filter((n) => n.includes(' (2)')).length, summary.counts.done);
  });
});

test('killed with SIGKILL at 20 random points, the batch resumes to complete, unique outputs; a reader queries throughout', { timeout: 150_000 }, async () => {
  const libFile = join(dir, 'killed.sqlite');
  const out = join(dir, 'out-killed');
  const args = ['batch', photos, '--set', 'smile=0.5', '--out', out, '--library', libFile, '--bundle', bundle, '--device', 'cpu', '--concurrency', '2'];
  let random = 12345;
  const rand = () => ((random = (random * 1103515245 + 12345) % 2147483648) / 2147483648);
  let reads = 0;
  let lastDone = 0;
  const jobExists = () => {
    try {
      const lib = Library.open(libFile, { readonly: true });
      try {
        return new JobStore(lib).list().length > 0;
      } finally {
        lib.close();
      }
    } catch {
      return false;
    }
  };
  let resumedById = 0;
  let kills = 0;
  for (let k = 0; k < 20; k++) {
    // Every other run resumes by id (`jobs resume 1`), the others repeat the same batch command.
    const byId = k % 2 === 1 && jobExists();
    if (byId) resumedById++;
    const child = cli(byId ? ['jobs', 'resume', '1', '--library', libFile, '--concurrency', '2'] : args);
    const done = finish(child);
    // Most kills land while photos are in flight (a random moment after the job starts), every
    // fourth one at a random moment of start-up (opening the library, the model, planning).
    let timer: NodeJS.Timeout | undefined;
    if (k % 4 === 0) timer = setTimeout(() => child.kill('SIGKILL'), 200 + rand() * 1500);
    else {
      let armed = false;
      child.stderr!.on('data', (chunk: Buffer) => {
        if (!armed && /^job \d+: \d+ photos/m.test(chunk.toString())) {
          armed = true;
          timer = setTimeout(() => child.kill('SIGKILL'), rand() * 150);
        }
      });
    }
    // A reader polls the library while the batch writes: never blocked, never going backwards.
    const poll = setInterval(() => {
      try {
        const reader = Library.open(libFile, { readonly: true });
        try {
          const row = reader.db.prepare("SELECT count(*) AS n FROM job_items WHERE state = 'done'").get() as { n: number };
          assert.ok(row.n >= lastDone, 'done count went backwards');
          lastDone = row.n;
          reads++;
        } finally {
          reader.close();
        }
      } catch (err) {
        if (!/cannot open|schema version|no such table/.test((err as Error).message)) throw err;
      }
    }, 50);
    const r = await done;
    if (timer) clearTimeout(timer);
    if (r.signal === 'SIGKILL') kills++;
    clearInterval(poll);
    if (r.signal !== 'SIGKILL') assert.equal(r.code, 3, r.out); // it finished before the kill: 3 bad photos failed
    const lib = Library.open(libFile);
    assert.equal(lib.integrityCheck(), 'ok');
    lib.close();
  }
  const final = await finish(cli(args.concat()));
  assert.equal(final.code, 3, final.out); // the 3 bad photos, tried again, fail again
  const lib = Library.open(libFile);
  try {
    assert.equal(lib.integrityCheck(), 'ok');
    const store = new JobStore(lib);
    const jobs = store.list();
    assert.equal(jobs.length, 1, 'every run resumed the same job');
    const c = store.counts(jobs[0]!.id);
    assert.deepEqual([c.done, c.failed, c.pending, c.committing], [good.length, 3, 0, 0]);
    const files = walk(out);
    assert.equal(files.length, good.length, `outputs: ${files.map((f) => relative(out, f)).join(', ')}`);
    assert.deepEqual(files.map((f) => relative(out, f)).sort(), good.map((f) => relative(photos, f)).sort());
    for (const f of files) await sharp(f).raw().toBuffer(); // complete, decodable
    assert.ok(reads > 20, `the reader ran ${reads} queries`);
    assert.ok(resumedById > 0, 'some runs resumed by id');
    assert.ok(kills >= 10, `only ${kills} of 20 runs were killed before finishing`);
  } finally {
    lib.close();
  }
});

test('batch command: an unknown attribute lists the known ones; jobs lists the job', async () => {
  const r = await finish(cli(['batch', photos, '--set', 'grin=0.5', '--out', join(dir, 'x'), '--library', join(dir, 'cli.sqlite'), '--bundle', bundle]));
  assert.equal(r.code, 2);
  assert.match(r.out, /unknown attribute 'grin'.*Known: Smiling, Age, Male/);
  // The random-weight fixture, which ships no attributes (whatever model is the default).
  const f = await finish(cli(['batch', photos, '--set', 'smile=0.5', '--out', join(dir, 'x'), '--library', join(dir, 'cli.sqlite'), '--bundle', fixtureDir]));
  assert.equal(f.code, 2);
  assert.match(f.out, /ships no built-in attributes \(it has no attributes\.json/);
  const j = await finish(cli(['jobs', '--library', join(dir, 'killed.sqlite')]));
  assert.equal(j.code, 0, j.out);
  assert.match(j.out, new RegExp(`1\tbatch\tdone\t${good.length}/${good.length + 3} done, 3 failed`));
});

test('a job is run by one process at a time; a claim left by a dead process is taken over', async () => {
  const lib = Library.open(join(dir, 'claim.sqlite'));
  try {
    const store = new JobStore(lib);
    const id = store.create('batch', { any: 1 }, []);
    lib.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(`${hostname()}:${process.ppid}`, id);
    assert.throws(() => store.claim(id), new RegExp(`job ${id} is being run by process ${process.ppid}`));
    lib.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(`${hostname()}:999999999`, id);
    store.claim(id);
    store.release(id);
    assert.deepEqual(lib.db.prepare('SELECT owner FROM jobs WHERE id = ?').get(id), { owner: null });
  } finally {
    lib.close();
  }
});

test('workingUnder: a running job that a live process holds, with a photo under the folder', () => {
  const lib = Library.open(join(dir, 'working.sqlite'));
  try {
    const store = new JobStore(lib);
    const id = store.create('import', { folder: '/p' }, [{ source: '/p/party/a.jpg', output: '' }]);
    const own = (owner: string | null) => lib.db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(owner, id);
    assert.equal(store.workingUnder('/p'), undefined, 'no process holds it');
    own(`${hostname()}:${process.ppid}`);
    assert.deepEqual(store.workingUnder('/p'), { id, kind: 'import', holder: `process ${process.ppid}` });
    assert.deepEqual(store.workingUnder('/p/party'), { id, kind: 'import', holder: `process ${process.ppid}` });
    assert.equal(store.workingUnder('/p/other'), undefined, 'another folder');
    assert.equal(store.workingUnder('/pa'), undefined, 'a folder that only starts alike');
    own(`${hostname()}:999999999`);
    assert.equal(store.workingUnder('/p'), undefined, 'its process died');
    own('elsewhere:42');
    assert.equal(store.workingUnder('/p')?.holder, 'process 42 on elsewhere', 'a process on another machine cannot be asked: it counts');
    own(null);
    store.claim(id);
    assert.equal(store.workingUnder('/p')?.holder, 'this process');
    store.setState(id, 'done');
    assert.equal(store.workingUnder('/p'), undefined, 'a job that is done');
  } finally {
    lib.close();
  }
});

test('the output folder may not hold the photos, be a file, or be a folder that cannot be written', async () => {
  const lib = Library.open(join(dir, 'setup.sqlite'));
  try {
    const spec = (out: string) => ({ source: photos, out, recipe: { sliders: { smile: 0.5 } }, bundle, modelId: 'm', export: ExportOptions.parse({}) });
    await assert.rejects(() => createBatchJob(lib, spec(photos)), (e: Error) => e instanceof OutputFolderError && /holds the photos to edit/.test(e.message));
    await assert.rejects(() => createBatchJob(lib, spec(dir)), /holds the photos to edit/);
    writeFileSync(join(dir, 'a-file'), 'x');
    await assert.rejects(() => createBatchJob(lib, spec(join(dir, 'a-file', 'out'))), /a-file is a file/);
    assert.equal(new JobStore(lib).list().length, 0, 'no job was made');
    await createBatchJob(lib, spec(join(photos, 'edited'))); // a new subfolder of the photos' folder is fine
  } finally {
    lib.close();
  }
});

test('the same batch run again retries its failed photos and adds new ones; the sliders\' order does not matter', async () => {
  const folder = join(dir, 'rerun');
  mkdirSync(folder);
  copyFileSync(good[0]!, join(folder, 'a.jpg'));
  writeFileSync(join(folder, 'b.jpg'), 'not yet a photo');
  await withModel('rerun.sqlite', async (lib, engine, detector) => {
    const builtin = await loadBuiltinAttributes(bundle, engine.manifest);
    const r = resolveAttributes(['Smiling', 'Age'], builtin, [], { bundleDir: bundle, modelId: engine.latentKey });
    const spec = (sliders: Record<string, number>) => ({ source: folder, out: join(dir, 'out-rerun'), recipe: { sliders }, bundle, modelId: engine.latentKey, export: ExportOptions.parse({}) });
    const run = (jobId: number) => new BatchRunner(lib, jobId, { engine, detector, directions: r.directions, sliders: { Smiling: 0.5, Age: 0.2 } }).run();
    const first = await createBatchJob(lib, spec({ Smiling: 0.5, Age: 0.2 }));
    assert.deepEqual((await run(first.jobId)).counts, { total: 2, pending: 0, committing: 0, done: 1, failed: 1 });
    // The bad file is fixed and a photo is added; the sliders come in the other order.
    copyFileSync(good[1]!, join(folder, 'b.jpg'));
    copyFileSync(good[2]!, join(folder, 'c.jpg'));
    const again = await createBatchJob(lib, spec({ Age: 0.2, Smiling: 0.5 }));
    assert.deepEqual([again.jobId, again.resumed, again.alreadyDone, again.retried, again.added], [first.jobId, true, false, 1, 1]);
    assert.equal(new JobStore(lib).state(first.jobId), 'paused', 'reopened: its pending photos reserve their names');
    assert.deepEqual((await run(again.jobId)).counts, { total: 3, pending: 0, committing: 0, done: 3, failed: 0 });
    assert.deepEqual(walk(join(dir, 'out-rerun')).map((f) => basename(f)).sort(), ['a.jpg', 'b.jpg', 'c.jpg']);
    const third = await createBatchJob(lib, spec({ Smiling: 0.5, Age: 0.2 }));
    assert.deepEqual([third.jobId, third.alreadyDone], [first.jobId, true]);
    // Edited copies in a subfolder of the photos are not photos to import or edit again.
    const inside = await createBatchJob(lib, { ...spec({ Smiling: 0.5 }), out: join(folder, 'edited') });
    await new BatchRunner(lib, inside.jobId, { engine, detector, directions: r.directions, sliders: { Smiling: 0.5 } }).run();
    assert.equal(walk(join(folder, 'edited')).length, 3);
    assert.deepEqual((await listPhotos(folder)).files.map((f) => basename(f)), ['a.jpg', 'b.jpg', 'c.jpg']);
    const other = await createBatchJob(lib, { ...spec({ Age: 1 }), out: join(dir, 'out-rerun-age') });
    assert.equal(new JobStore(lib).items(other.jobId).length, 3);
  });
});

test('a batch whose --mix-with photo cannot be used leaves no job behind', async () => {
  const libFile = join(dir, 'mix.sqlite');
  const r = await finish(cli(['batch', photos, '--set', 'smile=0.5', '--mix-with', join(dir, 'nobody.jpg'), '--out', join(dir, 'out-mix'), '--library', libFile, '--bundle', bundle]));
  assert.equal(r.code, 3, r.out);
  assert.match(r.out, /nobody\.jpg/);
  const lib = Library.open(libFile);
  try {
    assert.equal(new JobStore(lib).list().length, 0);
  } finally {
    lib.close();
  }
});

// Searching the library by attribute: which photos a face's latent puts on each side of the
// threshold, the user's tags over the latent, and why an attribute cannot be searched by.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { allSearches, AttributeSearchError, derivedSearch, forgetProjections, likelyRight, photosWithAttribute, photosWithAttributeRemembered, readsAs, searchDirection } from './attribute-search.js';
import type { BuiltinAttribute } from './builtin-attributes.js';
import { decodeFloat16, dotFloat16, encodeFloat16 } from './float16.js';
import type { AttributeRecord, Library } from './library.js';
import { testFace, withLibrary } from './test-library.js';

const dir = mkdtempSync(join(tmpdir(), 'glow-attribute-search-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A 12-value latent whose first value is `x` (the directions below look at it alone). */
const eps = (x: number) => Float32Array.from({ length: 12 }, (_, i) => (i === 0 ? x : 0.25));
const along = eps(1).map((_, i) => (i === 0 ? 2 : 0));
const model = { latentKey: 'm1@abc', manifest: { model_id: 'm1' } };

function photo(lib: Library, name: string): number {
  return lib.addPhoto({ path: `/p/${name}.jpg`, hash: name, size: 1, mtimeMs: 1, width: 10, height: 10, orientation: 1 });
}

function builtin(name: string, threshold?: number): BuiltinAttribute {
  return {
    name,
    direction: along,
    positives: 10,
    negatives: 10,
    description: undefined,
    search: threshold === undefined ? undefined : { threshold, heldOut: { positives: 20, negatives: 30, found: 18, falseAlarms: 3, balancedAccuracy: 0.9 } },
  };
}

test('float16 dot products match decoding first', () => {
  const v = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) * 3);
  const d = Float32Array.from({ length: 300 }, (_, i) => Math.cos(i * 0.7));
  const blob = encodeFloat16(v);
  const decoded = decodeFloat16(blob);
  assert.equal(dotFloat16(blob, d), decoded.reduce((s, x, i) => s + x * d[i]!, 0));
  assert.throws(() => dotFloat16(blob, new Float32Array(12)), /holds 300 values, expected 12/);
});

test('a face has the attribute past the threshold, the clearest first; tags overrule the latent; faces of another model and missing photos count for neither', () => {
  withLibrary(dir, 'search.sqlite', (lib) => {
    const smiling = photo(lib, 'smiling');
    const straight = photo(lib, 'straight');
    const both = photo(lib, 'group');
    const taggedSmiling = photo(lib, 'tagged');
    const oldModel = photo(lib, 'old-model');
    const gone = photo(lib, 'gone');
    lib.addFace(smiling, model.latentKey, testFace(eps(1)));
    lib.addFace(straight, model.latentKey, testFace(eps(-1)));
    lib.addFace(both, model.latentKey, testFace(eps(1)));
    lib.addFace(both, model.latentKey, testFace(eps(-1)));
    lib.setTag(lib.addFace(taggedSmiling, model.latentKey, testFace(eps(-1))), 'Smiling', true);
    lib.addFace(oldModel, 'm0@def', testFace(eps(1)));
    lib.addFace(gone, model.latentKey, testFace(eps(1)));
    lib.setMissing(gone, true);
    const beaming = photo(lib, 'beaming');
    lib.addFace(beaming, model.latentKey, testFace(eps(3)));

    // Scores: 2 * x; the threshold 0.5 puts x = 1 on the "has" side, x = -1 on the other.
    const search = searchDirection(lib, model, 'Smiling', [builtin('Smiling', 0.5)], []);
    const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
    // The clearest first: the tagged face, then by distance past the threshold (ties by id).
    const found = photosWithAttribute(lib, model.latentKey, 'Smiling', search, true);
    assert.deepEqual(found.photoIds, [taggedSmiling, beaming, smiling, both]);
    // Face by face: 5 latents read (not the tagged face's, another model's or the missing photo's).
    assert.deepEqual(found.faces, { read: 5, found: 3, tagged: 1 });
    assert.deepEqual(sorted(photosWithAttribute(lib, model.latentKey, 'Smiling', search, false).photoIds), [straight, both], 'the group photo has a face each way');

    // A tag on a face only another model encoded counts; the untagged one stays unknown.
    const oldFace = lib.facesOfPhoto(oldModel)[0]!.id;
    lib.setTag(oldFace, 'Smiling', false);
    assert.deepEqual(sorted(photosWithAttribute(lib, model.latentKey, 'Smiling', search, false).photoIds), [straight, both, oldModel]);
  });
});

test('a derived attribute is searched by the midpoint of its tagged faces, and comes before a built-in one of its name', () => {
  withLibrary(dir, 'derived.sqlite', (lib) => {
    const p = photo(lib, 'a');
    const tag = (x: number, has: boolean) => lib.setTag(lib.addFace(p, model.latentKey, testFace(eps(x))), 'freckles', has);
    tag(3, true);
    tag(1, true);
    tag(-2, false);
    // A tagged face of another model does not move the midpoint.
    lib.setTag(lib.addFace(p, 'm0@def', testFace(eps(50))), 'freckles', true);
    const mine: AttributeRecord = { name: 'freckles', modelId: model.latentKey, source: 'derived', direction: along, positives: 2, negatives: 1, quality: {} };
    // Means of 2x: 4 with, -4 without: the threshold is 0.
    assert.deepEqual(derivedSearch(lib, model.latentKey, mine), { direction: along, threshold: 0 });
    assert.equal(searchDirection(lib, model, 'freckles', [builtin('freckles', 99)], [mine]).threshold, 0);

    const untagged: AttributeRecord = { ...mine, name: 'dimples' };
    assert.throws(() => searchDirection(lib, model, 'dimples', [], [untagged]), /'dimples' cannot be searched by: tag faces that have it and faces that do not/);
    // Every searchable one: built-in ones measured and not superseded, derived ones with faces
    // tagged each way (and over a built-in of their name).
    const superseded = { ...builtin('No_Smile', -1), supersededBy: 'Smiling' };
    const every = allSearches(lib, model.latentKey, [builtin('freckles', 99), builtin('Smiling', 1), builtin('Attractive'), superseded], [mine, untagged]);
    assert.deepEqual(every.map((s) => [s.name, s.search.threshold]), [['Smiling', 1], ['freckles', 0]]);
    // Asked for by name, it is still found (recipes and command lines may name it).
    assert.equal(searchDirection(lib, model, 'No_Smile', [superseded], []).threshold, -1);
  });
});

test('an unknown attribute, and a built-in one its model cannot find, say why', () => {
  withLibrary(dir, 'errors.sqlite', (lib) => {
    assert.throws(
      () => searchDirection(lib, model, 'Nope', [builtin('Smiling', 0)], []),
      (err: unknown) => err instanceof AttributeSearchError && err.unknown && /unknown attribute 'Nope'/.test(err.message),
    );
    assert.throws(
      () => searchDirection(lib, model, 'Attractive', [builtin('Attractive')], []),
      (err: unknown) => err instanceof AttributeSearchError && !err.unknown && /'Attractive' cannot be searched by: the model m1 does not tell it well enough/.test(err.message),
    );
  });
});

test('a search is remembered until the library changes, by this connection or another', () => {
  withLibrary(dir, 'remembered.sqlite', (lib) => {
    const p = photo(lib, 'a');
    const face = lib.addFace(p, model.latentKey, testFace(eps(1)));
    const search = { direction: along, threshold: 0.5 };
    const ids = (has: boolean) => photosWithAttributeRemembered(lib, model.latentKey, 'Smiling', search, has).photoIds;
    const first = ids(true);
    assert.deepEqual(first, [p]);
    assert.equal(ids(true), first, 'the same list, not read again');
    assert.deepEqual(ids(false), [], 'another question is asked afresh');
    lib.setTag(face, 'Smiling', false);
    assert.deepEqual(ids(true), [], 'a tag changes the answer');
    // Another process (the command line) tags the face back.
    withLibrary(dir, 'remembered.sqlite', (other) => other.setTag(face, 'Smiling', true));
    assert.deepEqual(ids(true), [p]);
  });
});

test('a face reads as the attributes it is past the threshold of, the clearest first', () => {
  const other = eps(0).map((_, i) => (i === 1 ? 1 : 0));
  const searches = [
    { name: 'Smiling', search: { direction: along, threshold: 0.5 } },
    { name: 'Eyeglasses', search: { direction: other, threshold: 0 } },
    { name: 'Bangs', search: { direction: along, threshold: 10 } },
  ];
  // eps(1): 2 past 0.5 for Smiling (1.5), 0.25 past 0 for Eyeglasses (0.25), short of Bangs.
  assert.deepEqual(readsAs(eps(1), searches), ['Smiling', 'Eyeglasses']);
  assert.deepEqual(readsAs(eps(-1), searches), ['Eyeglasses']);
});

test('how many of the faces a search finds are likely right: a rare attribute is found wrongly more often than its accuracy says', () => {
  // Held-out rates: finds 84% of the faces with it, takes 5% of those without it for faces with it.
  const rates = { found: 0.84, falseAlarms: 0.05 };
  // A library of 1,000 faces, 100 with it: the model reads 0.84 * 100 + 0.05 * 900 = 129 that
  // way, of which 84 have it (65%, where its balanced accuracy is 90%).
  const right = likelyRight({ read: 1000, found: 129, tagged: 0 }, rates, true)!;
  assert.ok(Math.abs(right - 84 / 129) < 1e-9, `${right}`);
  // Looking for faces without it: 871 read that way, of which 0.95 * 900 = 855 lack it.
  assert.ok(Math.abs(likelyRight({ read: 1000, found: 871, tagged: 0 }, rates, false)! - 855 / 871) < 1e-9);
  // Tagged faces are right; a share no higher than the false alarms' means none has it.
  assert.equal(likelyRight({ read: 1000, found: 0, tagged: 4 }, rates, true), 1);
  assert.equal(likelyRight({ read: 1000, found: 40, tagged: 10 }, rates, true), 10 / 50);
  // Too few faces read, no rates, or rates no better than chance: no estimate.
  assert.equal(likelyRight({ read: 29, found: 10, tagged: 0 }, rates, true), undefined);
  assert.equal(likelyRight({ read: 1000, found: 100, tagged: 0 }, undefined, true), undefined);
  assert.equal(likelyRight({ read: 1000, found: 100, tagged: 0 }, { found: 0.5, falseAlarms: 0.5 }, true), undefined);
});

test('a built-in search carries its held-out rates; a derived one its leave-one-out accuracy on both sides', () => {
  withLibrary(dir, 'rates.sqlite', (lib) => {
    assert.deepEqual(searchDirection(lib, model, 'Smiling', [builtin('Smiling', 0.5)], []).rates, { found: 18 / 20, falseAlarms: 3 / 30 });
    const p = photo(lib, 'a');
    lib.setTag(lib.addFace(p, model.latentKey, testFace(eps(1))), 'freckles', true);
    lib.setTag(lib.addFace(p, model.latentKey, testFace(eps(-1))), 'freckles', false);
    const mine: AttributeRecord = { name: 'freckles', modelId: model.latentKey, source: 'derived', direction: along, positives: 1, negatives: 1, quality: { method: 'mean', meanDiffAccuracy: 0.8 } };
    const rates = searchDirection(lib, model, 'freckles', [], [mine]).rates!;
    assert.deepEqual([rates.found, Math.round(rates.falseAlarms * 100) / 100], [0.8, 0.2]);
  });
});

test('a search keeps each face\'s projection for the next; a changed latent, a deleted face or a new direction of the name drops it', () => {
  withLibrary(dir, 'projections.sqlite', (lib) => {
    const [a, b] = [photo(lib, 'a'), photo(lib, 'b')];
    const [fa, fb] = [lib.addFace(a, model.latentKey, testFace(eps(1))), lib.addFace(b, model.latentKey, testFace(eps(-1)))];
    const search = { direction: along, threshold: 0.5 };
    const kept = () => lib.db.prepare('SELECT face_id AS face, value FROM face_projections ORDER BY face_id').all();
    const found = () => photosWithAttribute(lib, model.latentKey, 'Smiling', search, true).photoIds;
    assert.deepEqual(found(), [a]);
    assert.deepEqual(kept(), [
      { face: fa, value: 2 },
      { face: fb, value: -2 },
    ]);
    // The next search reads the kept projection, not the latent.
    lib.db.prepare('UPDATE face_projections SET value = 9 WHERE face_id = ?').run(fb);
    assert.deepEqual(found(), [b, a]);
    // The latent changes (encoded again, or found again in a turned photo): computed afresh.
    lib.setFaceLatent(fb, model.latentKey, { transform: [1, 0, 0, 0, 1, 0], eps: eps(-1) });
    assert.deepEqual(found(), [a]);
    lib.deleteFace(fa);
    assert.deepEqual(kept(), [{ face: fb, value: -2 }]);
    // A direction of the same name with other values (derived again): the old projections go.
    const again = { direction: along.map((v) => v * 3), threshold: 0.5 };
    assert.deepEqual(photosWithAttribute(lib, model.latentKey, 'Smiling', again, false).photoIds, [b]);
    assert.deepEqual(kept(), [{ face: fb, value: -6 }]);
    assert.equal(lib.db.prepare('SELECT count(*) FROM search_directions').pluck().get(), 1);
    // A derived attribute deleted: its projections go (remove-attribute.ts).
    forgetProjections(lib, 'Smiling');
    assert.deepEqual(kept(), []);
  });
});

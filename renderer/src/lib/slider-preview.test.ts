import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Recipe } from '../../../app/api/contract.js';
import { blendPreview, composeOver, MAX_EXTRAPOLATION, onWhite, planPreview, type PatchSample } from './slider-preview.js';

// One-pixel patches: the photo is grey 100; a render at smile s, at strength k, shows
// 100 + 40 k s (the model backed off to k of the edit).
const ORIGINAL = new Uint8ClampedArray([100, 100, 100, 255]);
const recipe = (sliders: Record<string, number>, mix: Recipe['mix'] = null): Recipe => ({ sliders, mix });
function render(sliders: Record<string, number>, strength = 1): PatchSample {
  const v = 100 + 40 * strength * (sliders.Smiling ?? 0);
  return { recipe: recipe(sliders), pixels: new Uint8ClampedArray([v, v, v, 255]), strength };
}
const unedited = render({});

function preview(target: Recipe, samples: PatchSample[]): number[] | null {
  const plan = planPreview(target, samples);
  if (!plan) return null;
  const out = new Uint8ClampedArray(4);
  blendPreview(plan, ORIGINAL, out);
  return [...out];
}

test('a render of the same recipe is used as it is, whatever else is kept', () => {
  const same = render({ Smiling: 0.5 });
  const plan = planPreview(recipe({ Smiling: 0.5, Young: 0 }), [unedited, render({ Smiling: 1 }), same]);
  assert.equal(plan?.from, same);
  assert.equal(plan?.exact, true);
});

test('between two renders along the dragged slider the pixels are interpolated', () => {
  assert.deepEqual(preview(recipe({ Smiling: 0.5 }), [unedited, render({ Smiling: 1 })]), [120, 120, 120, 255]);
});

test('beyond the renders it extrapolates, but only a short way', () => {
  assert.deepEqual(preview(recipe({ Smiling: 0.75 }), [unedited, render({ Smiling: 0.25 })]), [130, 130, 130, 255]);
  assert.equal(preview(recipe({ Smiling: 0.25 + MAX_EXTRAPOLATION + 0.05 }), [unedited, render({ Smiling: 0.25 })]), null);
  assert.equal(preview(recipe({ Smiling: 0.5 }), [unedited]), null, 'one render gives no direction');
});

test('renders that differ in another slider or in the mix are not blended', () => {
  const samples = [render({ Smiling: 0, Young: 1 }), render({ Smiling: 1, Young: 1 })];
  assert.equal(preview(recipe({ Smiling: 0.5 }), samples), null);
  assert.deepEqual(preview(recipe({ Smiling: 0.5, Young: 1 }), samples), [120, 120, 120, 255]);
  const mixed = recipe({ Smiling: 0.5 }, { faceId: 2, amount: 0.5 });
  assert.equal(preview(mixed, [unedited, render({ Smiling: 1 })]), null);
});

test('where the model backed off, renders are placed at the size of edit they show', () => {
  // Smiling alone: 2 at half strength shows what 1 does, so 1.5 is previewed as that too.
  assert.deepEqual(preview(recipe({ Smiling: 1.5 }), [unedited, render({ Smiling: 1 }), render({ Smiling: 2 }, 0.5)]), [160, 160, 160, 255]);
  assert.deepEqual(preview(recipe({ Smiling: 1.75 }), [render({ Smiling: 1 }, 0.5), render({ Smiling: 2 }, 0.5)]), [135, 135, 135, 255]);
  // Further out than a backed-off render, the studio keeps the edit where it is.
  assert.deepEqual(preview(recipe({ Smiling: 2.5 }), [unedited, render({ Smiling: 2 }, 0.5)]), [140, 140, 140, 255]);
  // No extrapolation from a backed-off render: near the limit it would magnify blotches.
  assert.equal(preview(recipe({ Smiling: 0.4 }), [render({ Smiling: 0.5 }), render({ Smiling: 1 }, 0.75)]), null);
  // With another slider set, strength scales both: such renders are not on one line.
  assert.equal(preview(recipe({ Smiling: 1.5, Young: 1 }), [render({ Smiling: 1, Young: 1 }), render({ Smiling: 2, Young: 1 }, 0.5)]), null);
});

test('pixels the preview leaves as they are in the photo stay transparent', () => {
  assert.deepEqual(preview(recipe({ Smiling: 0.001 }), [unedited, render({ Smiling: 1 })]), [100, 100, 100, 0]);
  assert.deepEqual(preview(recipe({ Smiling: 0.5 }), [unedited, render({ Smiling: 1 })])?.[3], 255);
});

test('composeOver fills the transparent pixels of a patch with the photo', () => {
  const patch = new Uint8ClampedArray([0, 0, 0, 0, 7, 8, 9, 255]);
  const photo = new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]);
  assert.deepEqual([...composeOver(patch, photo)], [1, 2, 3, 255, 7, 8, 9, 255]);
});

test('in a photo with transparency, a preview pixel is as opaque as the photo there', () => {
  const plan = planPreview(recipe({ Smiling: 0.5 }), [unedited, render({ Smiling: 1 })])!;
  const out = new Uint8ClampedArray(4);
  blendPreview(plan, new Uint8ClampedArray([100, 100, 100, 128]), out);
  assert.deepEqual([...out], [120, 120, 120, 128]);
});

test('onWhite composites colours on white as the studio does for the model (imaging/decode.ts), keeping the alpha', () => {
  const rgba = new Uint8ClampedArray([10, 20, 30, 255, 10, 20, 30, 128, 10, 20, 30, 0]);
  // round((c * a + 255 * (255 - a)) / 255)
  assert.deepEqual([...onWhite(rgba)], [10, 20, 30, 255, 132, 137, 142, 128, 255, 255, 255, 0]);
});

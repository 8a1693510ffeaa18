import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from './args.js';
import { parseCelebaAttributes, parseUtkFaceName, unlabelledWarning } from './dataset-labels.js';

describe('dataset labels', () => {
  test("CelebA's list_attr_celeba.txt: names from the header, 1 / -1 as 1 / 0", () => {
    const text = '2\nSmiling Male Young \n000001.jpg -1  1  1\n000002.jpg  1 -1 -1\n';
    const labels = parseCelebaAttributes(text, 'list_attr_celeba.txt');
    assert.deepEqual(labels.columns, ['Smiling', 'Male', 'Young']);
    assert.deepEqual(labels.of('000001.jpg'), ['0', '1', '1']);
    assert.deepEqual(labels.of('000002.jpg'), ['1', '0', '0']);
    assert.equal(labels.of('000003.jpg'), undefined);
  });

  test('a broken attribute file is an InputError naming the file and line', () => {
    assert.throws(() => parseCelebaAttributes('1\nSmiling Male\n000001.jpg 1\n', '/data/list_attr_celeba.txt'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /^\/data\/list_attr_celeba\.txt: line 3/);
      return true;
    });
    assert.throws(() => parseCelebaAttributes('3\nSmiling\n000001.jpg 1\n', 'a.txt'), /header says 3 images, found 1/);
  });

  test("UTKFace's age_gender_race_date.jpg.chip.jpg names, race sometimes missing", () => {
    assert.deepEqual(parseUtkFaceName('26_1_3_20170119180040297.jpg.chip.jpg'), ['26', '1', '3']);
    assert.deepEqual(parseUtkFaceName('39_1_20170116174525125.jpg.chip.jpg'), ['39', '1', '']);
    assert.equal(parseUtkFaceName('holiday.jpg'), undefined);
    assert.equal(parseUtkFaceName('26_7_3_20170119180040297.jpg.chip.jpg'), undefined);
  });

  test('a warning names the attribute file and how many images it leaves without labels', () => {
    const labels = parseCelebaAttributes('1\nSmiling\n000001.jpg 1\n', '/data/celeba/list_attr_celeba.txt');
    assert.equal(unlabelledWarning('/data/celeba', ['000001.jpg'], labels), undefined);
    assert.equal(
      unlabelledWarning('/data/celeba', ['000001.jpg', '000002.jpg', '000003.jpg'], labels),
      'warning: /data/celeba/list_attr_celeba.txt: no labels for 2 of 3 images (first: 000002.jpg); their label columns stay empty',
    );
    const none = { columns: [], source: undefined, of: () => undefined };
    assert.match(unlabelledWarning('/data/celeba', ['000001.jpg'], none)!, /^warning: \/data\/celeba\/list_attr_celeba\.txt not found .*none of the 1 images will have labels$/);
  });
});

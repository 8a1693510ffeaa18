import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, UsageError } from './args.js';

const options = { temperature: { type: 'string' }, again: { type: 'boolean' } } as const;

test('a negative number after a space is the option value', () => {
  for (const value of ['-1', '-0.3', '-.5']) assert.equal(parse(['--temperature', value], options).values.temperature, value);
  assert.equal(parse(['--temperature=-1'], options).values.temperature, '-1');
});

test('an option followed by another option still says its value is missing, in one line', () => {
  assert.throws(() => parse(['--temperature', '--again'], options), (err: Error) => err instanceof UsageError && /--temperature/.test(err.message) && !err.message.includes('\n'));
  assert.throws(() => parse(['--again', '-1'], options), UsageError);
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { writeLaunchFile } from './launch-file.js';

test('the launch file is private to this user and sends the browser on to the launch link', async () => {
  const link = 'http://127.0.0.1:4321/?token=abc_DEF-123';
  const launch = await writeLaunchFile(link);
  try {
    assert.equal(fileURLToPath(launch.url), launch.path);
    assert.ok(!launch.url.includes('token'), 'the file URL, which goes on a command line, holds no token');
    assert.equal(statSync(dirname(launch.path)).mode & 0o777, 0o700);
    assert.equal(statSync(launch.path).mode & 0o777, 0o600);
    assert.match(readFileSync(launch.path, 'utf8'), /<meta http-equiv="refresh" content="0; url=http:\/\/127\.0\.0\.1:4321\/\?token=abc_DEF-123">/);
  } finally {
    await launch.remove();
  }
  assert.ok(!existsSync(dirname(launch.path)));
});

test('the launch link is escaped as an HTML attribute', async () => {
  const launch = await writeLaunchFile('http://127.0.0.1:1/?a="b"&c=<d>');
  try {
    const html = readFileSync(launch.path, 'utf8');
    assert.match(html, /url=http:\/\/127\.0\.0\.1:1\/\?a=&quot;b&quot;&amp;c=&lt;d>"/);
  } finally {
    await launch.remove();
  }
});

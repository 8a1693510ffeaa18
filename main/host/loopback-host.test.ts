// The loopback host's security checks, as requests a hostile page or process would send.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStudioService } from '../../app/studio/create-studio-service.js';
import { fixtureDir } from '../../app/engine/test-support.js';
import type { StudioService } from '../../app/studio/studio-service.js';
import { resolveStatic, startHost, type RunningHost } from './loopback-host.js';

const staticDir = mkdtempSync(join(tmpdir(), 'glow-ui-'));
let service: StudioService;
let host: RunningHost;
let port: number;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so Host and Origin can be forged like a rebinding page would. */
function call(path: string, { method = 'GET', headers = {} as Record<string, string>, body = '' } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = () => ({ Authorization: `Bearer ${host.token}` });

before(async () => {
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Glow Studio</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'secret.txt'), 'do not serve');
  service = await createStudioService({ bundleDir: fixtureDir, device: 'cpu', library: join(staticDir, 'library.sqlite') });
  host = await startHost({ service, staticDir });
  port = Number(new URL(host.url).port);
});
after(async () => {
  await host.close();
  await service.close();
  rmSync(staticDir, { recursive: true, force: true });
});

test('listens on loopback only, with a long random token', () => {
  assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(host.token.length >= 40);
  assert.equal(host.launchUrl, `${host.url}/?token=${host.token}`);
});

test('requests without the token are refused', async () => {
  for (const path of ['/', '/assets/app.js', '/events', '/media/photo/1']) {
    assert.equal((await call(path)).status, 401, path);
  }
  const api = await call('/api/status', { method: 'POST', body: '{}' });
  assert.equal(api.status, 401);
  assert.equal((await call('/api/status', { method: 'POST', headers: { Authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await call('/?token=wrong')).status, 401);
});

test('the launch link swaps the token for an HttpOnly SameSite cookie', async () => {
  const r = await call(`/?token=${host.token}`);
  assert.equal(r.status, 200); // a page that moves on to / by itself (why: loopback-host.ts)
  assert.match(r.body, /<meta http-equiv="refresh" content="0; url=\/">/);
  assert.doesNotMatch(r.body, new RegExp(host.token));
  const cookie = String(r.headers['set-cookie']);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await call('/', { headers: { Cookie: cookie.split(';')[0]! } });
  assert.equal(page.status, 200);
  assert.match(page.body, /Glow Studio/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
});

test('a foreign Host header (DNS rebinding) is refused even with the token', async () => {
  const r = await call('/api/status', { method: 'POST', headers: { ...auth(), Host: `evil.example:${port}` } });
  assert.equal(r.status, 421);
});

test('a foreign Origin is refused even with the token', async () => {
  const r = await call('/api/status', { method: 'POST', headers: { ...auth(), Origin: 'http://evil.example' } });
  assert.equal(r.status, 403);
  const ok = await call('/api/status', { method: 'POST', headers: { ...auth(), Origin: `http://127.0.0.1:${port}` } });
  assert.equal(ok.status, 200);
});

test('path traversal is rejected', async () => {
  for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt']) {
    const r = await call(path, { headers: auth() });
    assert.ok(r.status === 400 || r.status === 404, `${path} -> ${r.status}`);
    assert.doesNotMatch(r.body, /do not serve/);
  }
  assert.equal(resolveStatic('/srv/ui', '/../etc/passwd'), undefined);
  assert.equal(resolveStatic('/srv/ui', '/assets/app.js'), '/srv/ui/assets/app.js');
  assert.equal(resolveStatic('/srv/ui', '/'), '/srv/ui/index.html');
});

test('the API answers with the StudioApi result', async () => {
  const r = await call('/api/status', { method: 'POST', headers: auth(), body: '{}' });
  assert.equal(r.status, 200);
  const status = JSON.parse(r.body);
  assert.equal(status.model.id, 'fixture-tiny-32');
  assert.equal(status.device.provider, 'cpu');
});

test('invalid requests get a 400 naming the method, field and problem', async () => {
  const r = await call('/api/sampleFace', { method: 'POST', headers: auth(), body: JSON.stringify({ temperature: 9 }) });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).error, /^sampleFace: temperature: /);
  const bad = await call('/api/sampleFace', { method: 'POST', headers: auth(), body: '{nope' });
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).error, /not valid JSON/);
  const unknown = await call('/api/deleteEverything', { method: 'POST', headers: auth(), body: '{}' });
  assert.equal(unknown.status, 404);
  const get = await call('/api/status', { headers: auth() });
  assert.equal(get.status, 405);
});

test('sampleFace returns a PNG of the model size', async () => {
  const r = await call('/api/sampleFace', { method: 'POST', headers: auth(), body: JSON.stringify({ temperature: 0.7, seed: 3 }) });
  assert.equal(r.status, 200);
  const { image, seed } = JSON.parse(r.body);
  assert.equal(seed, 3);
  assert.match(image, /^data:image\/png;base64,/);
});

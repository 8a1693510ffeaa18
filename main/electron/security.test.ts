// Electron's security checklist, as assertions on the policy main.ts applies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isTrustedSender,
  parseMediaUrl,
  secureWebPreferences,
  uiFileFor,
} from './security.js';

test('windows run sandboxed and isolated, without Node', () => {
  const prefs = secureWebPreferences('/x/preload.cjs');
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
});

test('the CSP allows only our own scripts and no plugins or framing', () => {
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval/);
  assert.match(CONTENT_SECURITY_POLICY, /object-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
});

test('only the studio UI top frame may call the StudioApi', () => {
  assert.equal(isTrustedSender(`${APP_ORIGIN}/index.html`, true), true);
  assert.equal(isTrustedSender(`${APP_ORIGIN}/index.html`, false), false, 'subframes are refused');
  assert.equal(isTrustedSender('https://evil.example/', true), false);
  assert.equal(isTrustedSender('file:///etc/passwd', true), false);
  assert.equal(isTrustedSender('studio://app.evil/', true), false);
  assert.equal(isTrustedSender(undefined, true), false);
});

test('navigation away from the UI is blocked', () => {
  assert.equal(isAllowedNavigation(`${APP_ORIGIN}/index.html#/editor`), true);
  assert.equal(isAllowedNavigation('https://example.com'), false);
  assert.equal(isAllowedNavigation('file:///home/me/photo.jpg'), false);
});

test('UI files resolve inside the UI folder only', () => {
  const join = (...p: string[]) => p.join('/');
  assert.equal(uiFileFor(`${APP_ORIGIN}/assets/app.js`, '/ui', join), '/ui/assets/app.js');
  assert.equal(uiFileFor(`${APP_ORIGIN}/`, '/ui', join), '/ui/index.html');
  // The URL parser resolves encoded dot segments first, so they cannot climb out of /ui.
  assert.equal(uiFileFor(`${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`, '/ui', join), '/ui/etc/passwd');
  assert.equal(uiFileFor(`${APP_ORIGIN}/..%5c..%5cetc`, '/ui', join), undefined);
  assert.equal(uiFileFor('studio-media://photo/1', '/ui', join), undefined);
});

test('media URLs name a kind and a numeric id, never a path', () => {
  assert.deepEqual(parseMediaUrl('studio-media://photo/12'), { kind: 'photo', id: 12 });
  assert.deepEqual(parseMediaUrl('studio-media://photo/12?v=3'), { kind: 'photo', id: 12 });
  assert.equal(parseMediaUrl('studio-media://photo/12?v=../x'), undefined);
  assert.equal(parseMediaUrl('studio-media://photo/../../etc/passwd'), undefined);
  assert.equal(parseMediaUrl('studio-media:///etc/passwd'), undefined);
});

test('main.ts applies the policy: IPC sender check, no window.open, no permissions, no webviews', () => {
  const source = readFileSync(join(import.meta.dirname, 'main.ts'), 'utf8');
  for (const needle of [
    'isTrustedSender(',
    "setWindowOpenHandler(() => ({ action: 'deny' }))",
    'setPermissionRequestHandler((_wc, _permission, callback) => callback(false))',
    "on('will-attach-webview', (event) => event.preventDefault())",
    "on('will-navigate'",
    'secureWebPreferences(',
    'app.enableSandbox()',
    'utilityProcess.fork(',
  ]) {
    assert.ok(source.includes(needle), `main.ts should contain ${needle}`);
  }
  const preload = readFileSync(join(import.meta.dirname, 'preload.cts'), 'utf8');
  assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*ipcRenderer\s*[,)]/, 'the raw ipcRenderer is never exposed');
  assert.equal((preload.match(/ipcRenderer\.(invoke|on)\('([^']+)'/g) ?? []).length, 2, 'two named channels only');
});

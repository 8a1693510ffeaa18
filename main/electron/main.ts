// Electron main process: one window on the studio UI (served from studio://app, never
// file://), the StudioApi bridged over IPC to the service in a utilityProcess, images through
// the studio-media:// protocol, and the security checklist applied (see security.ts).
import { app, BrowserWindow, ipcMain, net, protocol, session, utilityProcess, type UtilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseRequest } from '../../app/api/contract.js';
import { defaultBundleDir, packageRoot, SHIPPED_BUNDLES } from '../../app/engine/default-bundle.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isTrustedSender,
  MEDIA_SCHEME,
  parseMediaUrl,
  secureWebPreferences,
  uiFileFor,
} from './security.js';

const root = packageRoot();
const uiDir = join(root, 'renderer', 'dist');
const here = join(root, 'dist', 'main', 'electron');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
app.enableSandbox();

let service: UtilityProcess;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function ask<T>(message: Record<string, unknown>): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    service.postMessage({ id, ...message });
  });
}

function startService(win: BrowserWindow) {
  // Packaged, the model bundles are extra resources beside the app, not inside its archive.
  const packaged = SHIPPED_BUNDLES.map((b) => join(process.resourcesPath, b)).find((d) => app.isPackaged && existsSync(join(d, 'manifest.json')));
  // The environment's model and device for this launch, else those the settings saved.
  const launch = {
    shippedBundleDir: packaged ?? defaultBundleDir(),
    ...(process.env.GLOW_STUDIO_BUNDLE ? { bundleDir: process.env.GLOW_STUDIO_BUNDLE } : {}),
    ...(process.env.GLOW_STUDIO_DEVICE ? { device: process.env.GLOW_STUDIO_DEVICE } : {}),
  };
  service = utilityProcess.fork(join(here, 'service-process.js'), [JSON.stringify(launch)], { serviceName: 'glow-studio-engine' });
  service.on('message', (msg: { id?: number; event?: unknown; result?: unknown; media?: unknown; error?: { message: string } }) => {
    if (msg.event !== undefined) {
      if (!win.isDestroyed()) win.webContents.send('studio:event', msg.event);
      return;
    }
    const waiter = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error.message));
    else waiter.resolve(msg.result ?? msg.media);
  });
  service.on('exit', (code) => {
    for (const w of pending.values()) w.reject(new Error(`the studio engine stopped (code ${code})`));
    pending.clear();
  });
}

function applySessionPolicy() {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });

  protocol.handle(APP_SCHEME, async (request) => {
    const file = uiFileFor(request.url, uiDir, join);
    if (!file) return new Response('Bad path', { status: 400 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    return new Response(response.body, { status: response.status, headers });
  });
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const media = parseMediaUrl(request.url);
    if (!media) return new Response('Not found', { status: 404 });
    let found: { contentType: string; body: Uint8Array } | null;
    try {
      found = await ask<{ contentType: string; body: Uint8Array } | null>({ media });
    } catch (err) {
      // As the loopback host answers: the editor shows the reason (patch-pixels.ts loadImage).
      return Response.json({ error: (err as Error).message }, { status: 500 });
    }
    if (!found) return new Response('Not found', { status: 404 });
    return new Response(Buffer.from(found.body), { headers: { 'Content-Type': found.contentType } });
  });
}

function createWindow() {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#141417',
    title: 'Glow Studio',
    webPreferences: secureWebPreferences(join(here, 'preload.cjs')),
  });
  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  startService(win);
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

ipcMain.handle('studio:call', async (event, method: unknown, payload: unknown) => {
  const frame = event.senderFrame;
  if (!isTrustedSender(frame?.url, frame !== null && frame === event.sender.mainFrame)) {
    throw new Error('refused: the StudioApi answers only the studio window');
  }
  // Validate here too, so a malformed call never reaches the engine process.
  const { method: name, request } = parseRequest(String(method), payload);
  return ask({ method: name, payload: request });
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(() => {
  applySessionPolicy();
  createWindow();
});

app.on('window-all-closed', () => {
  service?.kill();
  app.quit();
});

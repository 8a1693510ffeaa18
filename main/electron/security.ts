// Electron security policy as plain data and functions (no Electron import), so it is
// unit-tested here and applied by main.ts. Follows Electron's security checklist: context
// isolation, sandbox, no Node in the renderer, a strict CSP, only our own origin may call the
// API, no navigation, no new windows, no permissions, no webviews.

/** The UI is served from this custom origin, never from file://. */
export const APP_SCHEME = 'studio';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const MEDIA_SCHEME = 'studio-media';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob: ${MEDIA_SCHEME}:`,
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** webPreferences for every window (the checklist's items 2-4, 6, 12). */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** Only the top frame of our own UI may call the StudioApi. */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean): boolean {
  if (!frameUrl || !isMainFrame) return false;
  try {
    const url = new URL(frameUrl);
    return `${url.protocol}//${url.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** The UI never navigates away from itself. */
export function isAllowedNavigation(targetUrl: string): boolean {
  return isTrustedSender(targetUrl, true);
}

/** Resolves a studio://app/... request to a file under the UI folder, or undefined. */
export function uiFileFor(requestUrl: string, uiDir: string, join: (...p: string[]) => string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (`${url.protocol}//${url.host}` !== APP_ORIGIN) return undefined;
  const path = decodeURIComponent(url.pathname);
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) return undefined;
  const rel = path.replace(/^\/+/, '') || 'index.html';
  return join(uiDir, rel);
}

/** studio-media://<kind>/<id>[?v=<version>] -> { kind, id }, or undefined for anything else.
 * (The version only makes the URL new when the image changes: library-views.ts mediaUrls.) */
export function parseMediaUrl(requestUrl: string): { kind: string; id: number } | undefined {
  const m = new RegExp(`^${MEDIA_SCHEME}://([a-z]+)/(\\d+)(?:\\?v=\\d+)?$`).exec(requestUrl);
  return m ? { kind: m[1]!, id: Number(m[2]) } : undefined;
}

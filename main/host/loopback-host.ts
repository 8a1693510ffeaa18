// The loopback host: the studio's UI and StudioApi over HTTP on 127.0.0.1, for machines
// without Electron and for the e2e tests. Only the user's own session can use it:
//   - it listens on 127.0.0.1 only;
//   - every request needs the per-launch secret token (cookie set from the launch URL, or an
//     Authorization: Bearer header), compared in constant time;
//   - Host must be 127.0.0.1:<port> or localhost:<port> (DNS rebinding), and a browser's
//     Origin, when sent, must be this host;
//   - static paths are resolved inside the UI folder, never above it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { ApiError, parseRequest, type StudioEvent } from '../../app/api/contract.js';
import { MEDIA_KINDS, type MediaKind, type StudioService } from '../../app/studio/studio-service.js';

export interface HostOptions {
  service: StudioService;
  /** The built renderer (renderer/dist). */
  staticDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface RunningHost {
  /** Base URL, without the token. */
  url: string;
  /** The URL to open: carries the token once, then the host swaps it for a cookie. */
  launchUrl: string;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'glow_studio_token';
const MAX_BODY = 1 << 20;
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const OPENING_PAGE =
  '<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/">' +
  '<title>Glow Studio</title><p>Opening Glow Studio… <a href="/">Continue</a></p></html>\n';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  send(res, status, JSON.stringify(value), 'application/json');
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(`request body over ${MAX_BODY} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError('request body is not valid JSON');
  }
}

/** Resolves a URL path to a file inside root, or undefined for anything that leaves it. */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  // Refuse rather than repair: a path with '..', a backslash or a NUL is never a UI file.
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return undefined;
  const rel = normalize(decoded).replace(/^\/+/, '');
  const full = resolve(root, rel || 'index.html');
  const base = resolve(root);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

export async function startHost({ service, staticDir, port = 0 }: HostOptions): Promise<RunningHost> {
  const token = randomBytes(32).toString('base64url');
  let allowedHosts: string[] = [];
  let allowedOrigins: string[] = [];
  const streams = new Set<ServerResponse>();
  const unsubscribe = service.onEvent((event: StudioEvent) => {
    const line = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of streams) res.write(line);
  });

  function authorised(req: IncomingMessage): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const presented = bearer ?? cookieToken(req);
    return presented !== undefined && sameSecret(presented, token);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts.includes(req.headers.host ?? '')) {
      return send(res, 421, 'Misdirected request: this studio answers only on its loopback address.\n');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.includes(origin)) {
      return send(res, 403, 'Forbidden: requests from other sites are refused.\n');
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);

    // The launch URL carries the token once; swap it for an HttpOnly cookie and drop it from the
    // address bar. A page that moves on by itself, not a 303: when the link comes from the launch
    // file (file://, see launch-file.ts) the whole redirect chain counts as cross-site, and the
    // browser would not send a SameSite=Strict cookie to the redirect's target. The page's own
    // refresh is a same-origin navigation, which does send it.
    const offered = url.searchParams.get('token');
    if (req.method === 'GET' && url.pathname === '/' && offered !== null) {
      if (!sameSecret(offered, token)) return send(res, 401, 'This link is not valid for the running studio.\n');
      return send(res, 200, OPENING_PAGE, TYPES['.html'], {
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
      });
    }
    if (!authorised(req)) {
      return send(res, 401, 'Unauthorised: open the studio with the link glow-studio printed when it started.\n');
    }

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'API calls use POST' });
      try {
        const { method, request } = parseRequest(url.pathname.slice('/api/'.length), await readBody(req));
        const call = service[method] as (r: unknown) => Promise<unknown>;
        return sendJson(res, 200, await call.call(service, request));
      } catch (err) {
        const status = err instanceof ApiError ? err.status : 500;
        return sendJson(res, status, { error: (err as Error).message });
      }
    }
    if (req.method !== 'GET') return send(res, 405, 'Method not allowed\n');

    if (url.pathname === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }

    const media = /^\/media\/([a-z]+)\/(\d+)$/.exec(url.pathname);
    if (media) {
      const kind = media[1] as MediaKind;
      if (!MEDIA_KINDS.includes(kind)) return send(res, 404, 'Not found\n');
      const found = await service.media(kind, Number(media[2]));
      if (!found) return send(res, 404, 'Not found\n');
      return send(res, 200, found.body, found.contentType, { 'Cache-Control': 'private, max-age=60' });
    }

    const file = resolveStatic(staticDir, url.pathname);
    if (!file) return send(res, 400, 'Bad path\n');
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      return send(res, 200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      // Client-side routes fall back to the app shell.
      if (!extname(file)) {
        try {
          return send(res, 200, await readFile(join(staticDir, 'index.html')), TYPES['.html']);
        } catch {
          return send(res, 503, 'The studio UI is not built: run `npm run build`.\n');
        }
      }
      return send(res, 404, 'Not found\n');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const actualPort = (server.address() as AddressInfo).port;
  allowedHosts = [`127.0.0.1:${actualPort}`, `localhost:${actualPort}`];
  allowedOrigins = allowedHosts.map((h) => `http://${h}`);
  const url = `http://127.0.0.1:${actualPort}`;
  return {
    url,
    launchUrl: `${url}/?token=${token}`,
    token,
    async close() {
      unsubscribe();
      for (const res of streams) res.end();
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
    },
  };
}

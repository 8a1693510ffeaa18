// A stand-in for main's loopback host (main/host/loopback-host.ts) until it lands on this
// branch: the same startHost({ service, staticDir }) -> { url, launchUrl, token, close }
// shape and the same routes, token cookie and CSP, so the tests do not change when it does.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { ApiError, parseRequest, type StudioEvent } from '../../app/api/contract.js';
import type { FakeStudio } from './fake-studio.js';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'";
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export async function startHost({ service, staticDir }: { service: FakeStudio; staticDir: string }) {
  const token = randomBytes(32).toString('base64url');
  const streams = new Set<ServerResponse>();
  const unsubscribe = service.onEvent((e: StudioEvent) => streams.forEach((s) => s.write(`data: ${JSON.stringify(e)}\n\n`)));
  const send = (res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain', extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const offered = url.searchParams.get('token');
    if (url.pathname === '/' && offered !== null) {
      if (offered !== token) return send(res, 401, 'bad link');
      return send(res, 303, '', 'text/plain', { Location: '/', 'Set-Cookie': `glow_studio_token=${token}; HttpOnly; SameSite=Strict; Path=/` });
    }
    const cookie = /glow_studio_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if ((bearer ?? cookie) !== token) return send(res, 401, 'Unauthorised: open the studio with the link it printed.');
    try {
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: 'API calls use POST' }), 'application/json');
        let body = '';
        for await (const c of req) body += c;
        const { method, request } = parseRequest(url.pathname.slice(5), body ? JSON.parse(body) : {});
        const result = await (service[method] as (r: unknown) => Promise<unknown>).call(service, request);
        return send(res, 200, JSON.stringify(result), 'application/json');
      }
      if (url.pathname === '/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      const media = /^\/media\/(photo|thumb|crop)\/(\d+)$/.exec(url.pathname);
      if (media) {
        const m = await service.media(media[1] as 'photo', Number(media[2]));
        return m ? send(res, 200, m.body, m.contentType) : send(res, 404, 'Not found');
      }
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '') || 'index.html';
      if (rel.split('/').includes('..')) return send(res, 400, 'Bad path');
      const file = join(staticDir, rel);
      return send(res, 200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return send(res, 404, 'Not found');
      const status = err instanceof ApiError ? err.status : 500;
      return send(res, status, JSON.stringify({ error: (err as Error).message }), 'application/json');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    launchUrl: `${url}/?token=${token}`,
    token,
    async close() {
      unsubscribe();
      streams.forEach((s) => s.end());
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

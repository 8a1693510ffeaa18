// The renderer's StudioApi: through Electron's preload bridge when there is one
// (window.studio), otherwise over the loopback host's HTTP API (POST /api/<method>, events
// from GET /events as Server-Sent Events). Same-origin only; the host's HttpOnly cookie
// carries the auth, so this code never sees a token.
import type { ApiMethod, StudioApi, StudioEvent } from '../../../app/api/contract.js';

/** What Electron's preload exposes as window.studio. */
export interface StudioBridge {
  call(method: string, payload: unknown): Promise<unknown>;
  onEvent(listener: (event: StudioEvent) => void): () => void;
}

declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

/** A failed call, with the studio's own message (meant for the user) and the HTTP status. */
export class StudioCallError extends Error {
  override name = 'StudioCallError';
  constructor(
    readonly method: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// Every method of the contract; the `satisfies` check fails to compile when one is missing.
const METHODS = {
  status: 1,
  getSettings: 1,
  updateSettings: 1,
  listFolders: 1,
  browseFolder: 1,
  makeFolder: 1,
  importFolder: 1,
  rescanFolders: 1,
  removeFolder: 1,
  listPhotos: 1,
  describeFaceSearch: 1,
  getPhoto: 1,
  rotatePhoto: 1,
  findUprightTurns: 1,
  findSmallerFaces: 1,
  lookForSmallerFaces: 1,
  removeFace: 1,
  bringBackFaces: 1,
  keepUpright: 1,
  listAttributes: 1,
  listTags: 1,
  renderFace: 1,
  saveEdit: 1,
  saveMask: 1,
  getEditHistory: 1,
  saveEditHistory: 1,
  sampleFace: 1,
  tagFace: 1,
  readFace: 1,
  deriveAttribute: 1,
  removeAttribute: 1,
  startBatch: 1,
  previewBatch: 1,
  exportPhotos: 1,
  listJobs: 1,
  controlJob: 1,
} satisfies Record<ApiMethod, 1>;

type Call = (method: ApiMethod, payload: unknown) => Promise<unknown>;

async function httpCall(method: ApiMethod, payload: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`/api/${method}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload ?? {}),
    });
  } catch {
    throw new StudioCallError(method, 'the studio is not answering (it may have been closed)', 0);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const message =
      body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
        ? (body as { error: string }).error
        : text.trim() || `HTTP ${res.status}`;
    throw new StudioCallError(method, message, res.status);
  }
  return body;
}

/** Server-Sent Events from /events, reconnecting on its own; returns the unsubscribe. */
function httpEvents(listener: (event: StudioEvent) => void): () => void {
  const source = new EventSource('/events', { withCredentials: true });
  source.onmessage = (message) => {
    try {
      listener(JSON.parse(message.data) as StudioEvent);
    } catch {
      // A malformed line is dropped; the next job event carries the full state again.
    }
  };
  return () => source.close();
}

function bridgeCall(bridge: StudioBridge): Call {
  return async (method, payload) => {
    try {
      return await bridge.call(method, payload ?? {});
    } catch (err) {
      const e = err as { message?: string; status?: number };
      throw new StudioCallError(method, String(e?.message ?? err).replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, ''), e?.status ?? 500);
    }
  };
}

/** The StudioApi over whichever transport this window has. */
export function createStudioClient(bridge: StudioBridge | undefined = (globalThis as { studio?: StudioBridge }).studio): StudioApi {
  const call: Call = bridge ? bridgeCall(bridge) : httpCall;
  const api: Record<string, unknown> = {
    onEvent: (listener: (event: StudioEvent) => void) => (bridge ? bridge.onEvent(listener) : httpEvents(listener)),
  };
  for (const method of Object.keys(METHODS) as ApiMethod[]) {
    api[method] = (request: unknown) => call(method, request);
  }
  return api as StudioApi;
}

// What a transport (Electron IPC, the loopback host) needs from the studio: the StudioApi
// itself plus the image bytes behind the URLs it hands out.
import type { StudioApi } from '../api/contract.js';

export type MediaKind = 'photo' | 'thumb' | 'crop';

export interface Media {
  contentType: string;
  body: Buffer;
}

export interface StudioService extends StudioApi {
  /** Bytes for a URL the service produced (`${mediaBase}${kind}/${id}`); undefined if unknown. */
  media(kind: MediaKind, id: number): Promise<Media | undefined>;
  close(): Promise<void>;
}

export const MEDIA_KINDS: readonly MediaKind[] = ['photo', 'thumb', 'crop'];

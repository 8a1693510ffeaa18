// The preload bridge: exposes the StudioApi as two named functions and nothing else (no raw
// ipcRenderer, no Node). CommonJS because sandboxed preloads cannot load ES modules.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS
import electron = require('electron');
import type { IpcRendererEvent } from 'electron';

const { contextBridge, ipcRenderer } = electron;

contextBridge.exposeInMainWorld('studio', {
  call: (method: string, payload: unknown): Promise<unknown> => ipcRenderer.invoke('studio:call', String(method), payload),
  onEvent: (listener: (event: unknown) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on('studio:event', handler);
    return () => {
      ipcRenderer.removeListener('studio:event', handler);
    };
  },
});

// Builds the renderer into renderer/dist for the loopback host and Electron. The output must
// run under a strict Content-Security-Policy: no inline scripts, no eval, no inline styles
// in the HTML, relative asset paths (Electron loads it from a custom protocol or a file).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Vite's modulepreload polyfill is an inline-free module, but Chromium does not need it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: { port: 5173, strictPort: false },
});

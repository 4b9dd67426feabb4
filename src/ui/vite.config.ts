import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/*
 * Builds the Workspace (the browser app under src/ui) into dist/ui, which ships inside the
 * package and is served by the gateway at /ui. Everything is bundled (no CDN, no web fonts) so
 * the Workspace works offline. JSX goes through Vite's built-in oxc transform with Preact's
 * automatic runtime; no Babel preset is needed.
 */
const uiRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/ui', import.meta.url));

/** The Workspace's Vite config: root src/ui, served under /ui/, built into dist/ui. */
export default defineConfig({
  root: uiRoot,
  base: '/ui/',
  // The repo root's public/ (if any) is not the UI's; keep the build self-contained.
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small app: a single chunk is simpler to serve and cache than many.
    chunkSizeWarningLimit: 600,
  },
});

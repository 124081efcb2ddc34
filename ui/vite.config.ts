import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: `ui/` → `dist/ui/`, served by the control plane at `/ui/`. Everything is
 * bundled (no CDN); the graph and chart pages are split into their own chunks so the first load stays
 * small.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // The run graph's chunk carries elkjs (about 1.4 MB, loaded with that page only); the first load is ~90 KB gzipped.
    chunkSizeWarningLimit: 1800,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` with `bookml api` on 8470: the API behind the dev server.
    proxy: { '/api': 'http://127.0.0.1:8470' },
  },
});

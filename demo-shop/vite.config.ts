import { defineConfig } from 'vite';

// The demo shop is a static site; dev and preview listen on loopback only. Relative asset URLs (base './')
// and hash routes let the build be served from any path, e.g. under the aggregator at /shop/.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { outDir: 'dist', emptyOutDir: true },
});

import { defineConfig } from 'vite';

// The demo shop is a static site; dev and preview listen on loopback only.
export default defineConfig({
  root: import.meta.dirname,
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { outDir: 'dist', emptyOutDir: true },
});

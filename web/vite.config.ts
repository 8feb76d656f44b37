import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The C++ server serves index.html at / (and for every non-/api path that is
// not a file) and the bundle under /assets/. Absolute paths keep the assets
// reachable from any SPA route. FLOCK_API_PROXY points `vite dev` at a running
// flock server (e.g. http://127.0.0.1:8344) while working on the UI.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    // No inline scripts or data-URL modules: the server's CSP is script-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: process.env.FLOCK_API_PROXY
      ? { '/api': { target: process.env.FLOCK_API_PROXY, changeOrigin: false } }
      : undefined,
  },
});

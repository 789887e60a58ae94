// Builds the console to dist/, which the admin listener serves at /console/
// (packages/gateway/src/admin/console-route.ts). Hashed file names under
// assets/ let the listener cache them for a year; index.html is never cached.

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The admin listener's CSP allows no inline script or style: keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});

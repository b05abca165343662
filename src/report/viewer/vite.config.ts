// Builds the viewer as one classic (IIFE) script, dist/viewer/viewer.js: reports are opened from
// file://, where Chromium blocks module scripts, and CSS is inlined by the script itself.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: here('../../../dist/viewer'),
    emptyOutDir: true,
    target: 'es2020',
    lib: {
      entry: here('main.tsx'),
      formats: ['iife'],
      name: 'NetDissectViewer',
      fileName: () => 'viewer.js',
    },
  },
});

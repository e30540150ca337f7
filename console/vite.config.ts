import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The console build: hashed files under dist/console/console/ (served at /console/{file}) and
 * dist/console/index.html (served at /). No module-preload polyfill, because it would be the only
 * script Vite writes into the page itself, and the gateway's CSP runs no inline script.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'console',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
})

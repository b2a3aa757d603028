// Builds the static page into examples/browser/dist/ (`npm run build:browser`), from this
// checkout's dist/ and WebAssembly binding. In an app of your own, `import ... from 'embgeo'`
// needs no alias: package.json's "browser" field swaps native-loader.cjs for
// native-loader.browser.js, which imports @embgeo/binding-wasm32-wasi.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^embgeo$/, replacement: `${root}dist/index.js` },
      { find: /^@embgeo\/binding-wasm32-wasi$/, replacement: `${root}embgeo.wasi-browser.js` },
      // embgeo's only Node import outside the CLI (file: URLs → paths, which a page never has).
      { find: /^node:url$/, replacement: `${here}node-url.js` },
    ],
  },
  build: { outDir: `${here}dist`, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  worker: { format: 'es' },
})

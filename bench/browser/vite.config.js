// Builds the benchmark page of bench/wasm.bench.mjs into bench/browser/dist/: embgeo from this
// checkout's dist/ and WebAssembly binding (as examples/browser does), the pure-JS peers from
// bench/peers/node (npm ci there first).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
const peers = `${root}bench/peers/node/node_modules/`

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^embgeo$/, replacement: `${root}dist/index.js` },
      { find: /^@embgeo\/binding-wasm32-wasi$/, replacement: `${root}embgeo.wasi-browser.js` },
      { find: /^node:url$/, replacement: `${root}examples/browser/node-url.js` },
      { find: /^ml-pca$/, replacement: `${peers}ml-pca` },
      { find: /^@saehrimnir\/druidjs$/, replacement: `${peers}@saehrimnir/druidjs` },
    ],
  },
  build: { outDir: `${here}dist`, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  worker: { format: 'es' },
})

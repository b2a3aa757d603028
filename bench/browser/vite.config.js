// Builds the benchmark page of bench/wasm.bench.mjs into bench/browser/dist/: examples/browser's
// config (embgeo from this checkout's dist/ and WebAssembly binding) with this page as the root
// and the in-browser peers from bench/peers/node (npm ci there first).
import { fileURLToPath } from 'node:url'
import { mergeConfig } from 'vite'

import example from '../../examples/browser/vite.config.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const peers = fileURLToPath(new URL('../peers/node/node_modules/', import.meta.url))

export default mergeConfig(example, {
  root: here,
  resolve: {
    alias: [
      { find: /^ml-pca$/, replacement: `${peers}ml-pca` },
      { find: /^@saehrimnir\/druidjs$/, replacement: `${peers}@saehrimnir/druidjs` },
    ],
  },
  build: { outDir: `${here}dist`, chunkSizeWarningLimit: 8192 },
})

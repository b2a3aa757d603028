// Browser twin of native-loader.cjs: package.json's "browser" field maps one to the other, so a
// bundler (Vite, esbuild, webpack) gives the TypeScript layer the WebAssembly binding. The
// `@embgeo/binding-wasm32-wasi` package's browser entry instantiates the module at import (top-level
// await; threads through SharedArrayBuffer, so a threaded pool needs a cross-origin-isolated page).
import binding from '@embgeo/binding-wasm32-wasi'

/** The WebAssembly binding (already instantiated). */
export function loadBinding() {
  return binding
}

/** Always true in a browser: there is no native addon. */
export function wasmForced() {
  return true
}

export default { loadBinding, wasmForced }

'use strict'
// Hand-written: defers loading the generated `binding.cjs` until first use, so that a missing
// platform binary surfaces as embgeo's ERR_NATIVE_LOAD (src/native.ts) instead of an import-time
// crash. Lives at the package root beside binding.cjs because the generated loader looks for
// `embgeo.<platform>.node` (and the WebAssembly fallback `embgeo.wasi.cjs`) next to itself.
//
// The generated loader falls back to the WebAssembly binding (`./embgeo.wasi.cjs`, else the
// `@embgeo/binding-wasm32-wasi` package) when no native binary matches the platform.
// EMBGEO_FORCE_WASM=1 forces it: it sets napi-rs' own switch NAPI_RS_FORCE_WASI=error for the
// duration of the load (WebAssembly or an error, never a silent native fallback).

/** Whether EMBGEO_FORCE_WASM asks for the WebAssembly binding ('1' or 'true'). */
function wasmForced() {
  const v = process.env.EMBGEO_FORCE_WASM
  return v === '1' || v === 'true'
}

exports.wasmForced = wasmForced

exports.loadBinding = function loadBinding() {
  if (!wasmForced()) return require('./binding.cjs')
  const previous = process.env.NAPI_RS_FORCE_WASI
  process.env.NAPI_RS_FORCE_WASI = 'error'
  try {
    return require('./binding.cjs')
  } finally {
    if (previous === undefined) delete process.env.NAPI_RS_FORCE_WASI
    else process.env.NAPI_RS_FORCE_WASI = previous
  }
}

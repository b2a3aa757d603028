'use strict'
// Hand-written: defers loading the generated `binding.cjs` until first use, so that a missing
// platform binary surfaces as embgeo's ERR_NATIVE_LOAD (src/native.ts) instead of an import-time
// crash. Lives at the package root beside binding.cjs because the generated loader looks for
// `embgeo.<platform>.node` next to itself.
exports.loadBinding = function loadBinding() {
  return require('./binding.cjs')
}

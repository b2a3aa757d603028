#!/usr/bin/env node
// `npm install` / `npm ci` hook.
//
// In a development checkout (Cargo.toml beside package.json) it builds the release native addon
// for this machine, the WebAssembly binding and the TypeScript output, so a fresh clone needs no
// other step.
// In an installed copy of the package (no Cargo.toml: users get prebuilt binaries from the
// platform packages) it does nothing.
// Set EMBGEO_SKIP_BUILD=1 to skip the build (e.g. when CI downloads a prebuilt binary).
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const { spawnSync } = require('node:child_process')

const root = join(__dirname, '..')
if (!existsSync(join(root, 'Cargo.toml')) || process.env.EMBGEO_SKIP_BUILD === '1') process.exit(0)

function run(script) {
  const start = Date.now()
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', script], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  })
  if (r.status !== 0) {
    console.error(`embgeo: 'npm run ${script}' failed; see the output above (needs a Rust toolchain, https://rustup.rs).`)
    process.exit(r.status ?? 1)
  }
  console.error(`embgeo: 'npm run ${script}' took ${Math.round((Date.now() - start) / 1000)} s`)
}
/**
 * The WebAssembly binding (`npm run build:wasm`, tested by __test__/wasm.spec.ts) needs the
 * wasm32-wasip1-threads standard library: add it with rustup when it is missing. Without rustup
 * the build is skipped with a note (the WASM tests then say how to build it).
 * EMBGEO_SKIP_WASM=1 skips it.
 */
function wasmTarget() {
  if (process.env.EMBGEO_SKIP_WASM === '1') return false
  const r = spawnSync('rustup', ['target', 'add', 'wasm32-wasip1-threads'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status === 0) return true
  console.error("embgeo: skipping the WebAssembly build (needs 'rustup target add wasm32-wasip1-threads'); run 'npm run build:wasm' later.")
  return false
}

run('build:native')
if (wasmTarget()) run('build:wasm')
run('build:ts')

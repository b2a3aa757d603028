#!/usr/bin/env node
// `npm install` / `npm ci` hook.
//
// In a development checkout (Cargo.toml beside package.json) it builds the release native addon
// for this machine and the TypeScript output, so a fresh clone needs no other step.
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
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', script], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  })
  if (r.status !== 0) {
    console.error(`embgeo: 'npm run ${script}' failed; see the output above (needs a Rust toolchain, https://rustup.rs).`)
    process.exit(r.status ?? 1)
  }
}
run('build:native')
run('build:ts')

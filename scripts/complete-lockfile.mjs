#!/usr/bin/env node
// Complete package-lock.json with the platform packages of napi-rs tools that the package
// registry reachable from our development machines does not serve (it mirrors only what was
// installed before: e.g. @napi-rs/lzma-darwin-arm64 answers 404 there). `npm install` then
// writes a lock without them and `npm ci` refuses it ("Missing: … from lock file").
//
// For every optional dependency named `<pkg>-<platform>-<arch>[-<abi>]` that the lock lacks,
// add an entry with its version and the os/cpu/libc that napi-rs's naming convention implies,
// so npm ci skips it on other platforms and fetches it (from the real registry) on its own.
// Run after `npm install` whenever dependencies change: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages
const CPU = { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', wasm32: 'wasm32' }

function platformOf(name) {
  const m = /-(android|darwin|freebsd|linux|win32|wasm32)-?([a-z0-9]*)?-?([a-z]+)?$/.exec(name)
  if (m === null) return undefined
  const [, os, arch, abi] = m
  if (os === 'wasm32') return { cpu: ['wasm32'] }
  const entry = { os: [os], cpu: [CPU[arch] ?? arch] }
  if (os === 'linux' && abi === 'gnu') entry.libc = ['glibc']
  if (os === 'linux' && abi === 'musl') entry.libc = ['musl']
  return entry
}

let added = 0
for (const [key, pkg] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = key === '' ? '' : `${key}/`
    const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`]
    if (candidates.some((c) => c in packages)) continue
    const platform = platformOf(dep)
    if (platform === undefined) continue
    packages[`node_modules/${dep}`] = { version, ...(pkg.dev ? { dev: true } : {}), optional: true, ...platform }
    added++
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))))
lock.packages = sorted
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(`complete-lockfile: added ${added} platform entries`)

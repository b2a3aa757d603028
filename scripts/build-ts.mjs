#!/usr/bin/env node
// Compile src/ twice: ES modules to dist/ and CommonJS to dist-cjs/ (with its own
// package.json saying "commonjs"), each with declarations. Both sit one folder below the
// package root, so src/native.ts's `../binding.cjs` resolves the same way from either.
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
for (const [config, out] of [['tsconfig.build.json', 'dist'], ['tsconfig.cjs.json', 'dist-cjs']]) {
  rmSync(join(root, out), { recursive: true, force: true })
  const r = spawnSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
mkdirSync(join(root, 'dist-cjs'), { recursive: true })
writeFileSync(join(root, 'dist-cjs', 'package.json'), '{ "type": "commonjs" }\n')

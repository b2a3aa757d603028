/**
 * The packed tarball installs into an empty project together with the platform package built
 * here, and works from require() and import, with types resolving under node16 and bundler.
 * Without a platform binary it fails with ERR_NATIVE_LOAD naming the package to install. The
 * `embgeo` command runs its demo from the installed package.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
let work: string

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', ...env },
    shell: process.platform === 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function project(name: string, tarballs: string[]): string {
  const dir = join(work, name)
  sh(process.execPath, ['-e', `require('fs').mkdirSync(${JSON.stringify(dir)}, { recursive: true })`], work)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }))
  sh(npm, ['install', '--offline', '--no-save', ...tarballs], dir)
  return dir
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'embgeo-pack-'))
  const main = sh(npm, ['pack', '--pack-destination', work, '--silent'], root).trim().split('\n').pop()!
  // The platform package exactly as `napi create-npm-dirs` makes it for publishing.
  // (The CLI only writes inside the project: use the git-ignored .tmp/ folder.)
  const npmDir = join(root, '.tmp', `npm-${process.pid}`)
  sh(process.execPath, [join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js'), 'create-npm-dirs', '--npm-dir', npmDir], root)
  const node = readdirSync(root).find((f) => /^embgeo\..+\.node$/.test(f))
  if (node === undefined) throw new Error('no locally built embgeo.*.node; run npm run build:native')
  const platform = node.slice('embgeo.'.length, -'.node'.length)
  copyFileSync(join(root, node), join(npmDir, platform, node))
  const bin = sh(npm, ['pack', '--pack-destination', work, '--silent'], join(npmDir, platform)).trim().split('\n').pop()!
  project('with-binary', [join(work, main), join(work, bin)])
  project('without-binary', [join(work, main)])
  rmSync(npmDir, { recursive: true, force: true })
}, 240_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('installed tarball', () => {
  it('loads with require() and computes', () => {
    const out = sh(
      process.execPath,
      ['-e', "const e = require('embgeo'); const s = e.columnStatsSync([[1, 2], [3, 4]]); console.log(JSON.stringify([e.versions().package, Array.from(s.mean)]))"],
      join(work, 'with-binary'),
    )
    expect(JSON.parse(out)).toEqual(['0.1.0', [2, 3]])
  })

  it('loads with import and computes asynchronously', () => {
    const out = sh(
      process.execPath,
      ['--input-type=module', '-e', "import { columnStats } from 'embgeo'; const s = await columnStats([[1, 2], [3, 6]]); console.log(JSON.stringify(Array.from(s.mean)))"],
      join(work, 'with-binary'),
    )
    expect(JSON.parse(out)).toEqual([2, 4])
  })

  it.each([
    { label: 'node16 ESM', file: 'check.mts', args: ['--module', 'node16', '--moduleResolution', 'node16'] },
    { label: 'node16 CJS', file: 'check.cts', args: ['--module', 'node16', '--moduleResolution', 'node16'] },
    { label: 'bundler', file: 'check.ts', args: ['--module', 'esnext', '--moduleResolution', 'bundler'] },
  ])('type-checks under $label resolution', ({ file, args }) => {
    const dir = join(work, 'with-binary')
    const src = [
      "import { columnStats, columnStatsSync, matrix, EmbgeoError, type ColumnStats, type MatrixLike } from 'embgeo'",
      'const X: MatrixLike = matrix(new Float32Array(6), 3)',
      'const s: ColumnStats = columnStatsSync(X)',
      'const p: Promise<ColumnStats> = columnStats(X, { signal: AbortSignal.timeout(1000) })',
      'const isErr = (e: unknown) => e instanceof EmbgeoError && e.code === "ERR_SHAPE"',
      'export { s, p, isErr }',
    ].join('\n')
    writeFileSync(join(dir, file), src)
    const types = ['--types', 'node', '--typeRoots', join(root, 'node_modules', '@types')]
    sh(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', ...types, ...args, file], dir)
  })

  it('runs `npx embgeo analyze --demo --html report.html` (the bundled demo data ships in the package)', () => {
    const dir = join(work, 'with-binary')
    const out = sh(npx, ['--offline', '--no-install', 'embgeo', 'analyze', '--demo', '--html', 'report.html', '--max-rows', '1500'], dir)
    expect(out).toContain('demo: MiniLM sentence embeddings')
    expect(out).toMatch(/true ID 10/)
    const page = readFileSync(join(dir, 'report.html'), 'utf8')
    expect(page).toMatch(/^<!doctype html>/i)
    expect(page).not.toMatch(/(src|href)="https?:/)
  }, 180_000)

  it('fails with ERR_NATIVE_LOAD naming the platform package when no binary is installed', () => {
    const out = sh(
      process.execPath,
      ['-e', "try { require('embgeo').versions() } catch (e) { console.log(JSON.stringify([e.code, e.message])) }"],
      join(work, 'without-binary'),
    )
    const [code, message] = JSON.parse(out) as [string, string]
    expect(code).toBe('ERR_NATIVE_LOAD')
    expect(message).toMatch(/@embgeo\/binding-/)
    expect(message).toMatch(/reinstall/)
  })
})

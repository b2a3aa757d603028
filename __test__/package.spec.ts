/** The package's own promises: versions agree, the workflow is valid and complete, CI runs the tests. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

import { VERSION } from '../src/index.js'

const root = new URL('..', import.meta.url)
const read = (p: string) => readFileSync(new URL(p, root), 'utf8')
const pkg = JSON.parse(read('package.json')) as {
  version: string
  napi: { targets: string[]; binaryName: string; packageName: string }
  scripts: Record<string, string>
}

describe('versions', () => {
  it('agree between package.json, src/version.ts and the Cargo workspace', () => {
    expect(VERSION).toBe(pkg.version)
    const cargo = read('Cargo.toml')
    expect(cargo).toMatch(new RegExp(`\\[workspace\\.package\\][^[]*version = "${pkg.version.replace(/\./g, '\\.')}"`))
  })
})

describe('napi config', () => {
  it('lists the 8 native targets and wasm32-wasip1-threads', () => {
    expect([...pkg.napi.targets].sort()).toEqual(
      [
        'aarch64-apple-darwin',
        'aarch64-pc-windows-msvc',
        'aarch64-unknown-linux-gnu',
        'aarch64-unknown-linux-musl',
        'x86_64-apple-darwin',
        'x86_64-pc-windows-msvc',
        'x86_64-unknown-linux-gnu',
        'x86_64-unknown-linux-musl',
        'wasm32-wasip1-threads',
      ].sort(),
    )
  })
})

describe('.github/workflows/ci.yml', () => {
  const wf = parse(read('.github/workflows/ci.yml')) as {
    on: unknown
    jobs: Record<string, { needs?: string | string[]; strategy?: { matrix: Record<string, unknown> }; steps: { run?: string; uses?: string }[] }>
  }

  it('parses as YAML with the expected jobs, each with steps', () => {
    expect(Object.keys(wf.jobs).sort()).toEqual(['build', 'lint-and-rust-test', 'publish', 'publish-dry-run', 'test', 'test-install', 'test-musl', 'test-wasm'].sort())
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect(Array.isArray(job.steps), name).toBe(true)
      for (const step of job.steps) expect(step.run !== undefined || step.uses !== undefined, name).toBe(true)
    }
  })

  it('builds every napi target and tests each on Node 20, 22 and 24', () => {
    const built = (wf.jobs.build!.strategy!.matrix.settings as { target: string }[]).map((s) => s.target)
    expect([...built].sort()).toEqual([...pkg.napi.targets].sort())
    const tested = [
      ...(wf.jobs.test!.strategy!.matrix.settings as { target: string }[]).map((s) => s.target),
      ...(wf.jobs['test-musl']!.strategy!.matrix.include as { target: string }[]).map((s) => s.target),
      ...(wf.jobs['test-wasm'] ? ['wasm32-wasip1-threads'] : []),
    ]
    expect([...tested].sort()).toEqual([...pkg.napi.targets].sort())
    expect(wf.jobs.test!.strategy!.matrix.node).toEqual(['20', '22', '24'])
    expect(wf.jobs['test-musl']!.strategy!.matrix.node).toEqual(['20', '22', '24'])
    expect(wf.jobs['test-wasm']!.strategy!.matrix.node).toEqual(['20', '22', '24'])
  })

  it('publishes only after every test job, with napi prepublish', () => {
    expect(wf.jobs.publish!.needs).toEqual(['lint-and-rust-test', 'test', 'test-wasm', 'test-musl', 'test-install'])
    expect(pkg.scripts.prepublishOnly).toMatch(/napi prepublish/)
  })
})

describe('.ci/run', () => {
  it("runs README's test command", () => {
    const ci = read('.ci/run')
    const readme = read('README.md')
    expect(readme).toMatch(/npm test/)
    expect(ci).toMatch(/\bnpm test\b/)
  })
})

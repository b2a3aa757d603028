/**
 * The top-level index.d.ts (the package's public type entry point) exports exactly the names of
 * the built API, dist/index.d.ts (`npm run build:ts`), and type-checks.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('index.d.ts', () => {
  it('exports what dist/index.d.ts exports, without type errors', () => {
    const files = [`${root}index.d.ts`, `${root}dist/index.d.ts`]
    for (const f of files) expect(existsSync(f), `${f} (run npm run build:ts)`).toBe(true)
    const program = ts.createProgram(files, { strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: ['node'], skipLibCheck: false })
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.startsWith(root) && !d.file.fileName.includes('node_modules'))
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([])
    const checker = program.getTypeChecker()
    const names = (f: string) => {
      const sym = checker.getSymbolAtLocation(program.getSourceFile(f)!)!
      return checker.getExportsOfModule(sym).map((s) => s.name).sort()
    }
    const top = names(files[0]!)
    expect(top.length).toBeGreaterThan(50)
    expect(top).toEqual(names(files[1]!))
  }, 180_000)
})

/**
 * examples/browser (issue 15): the static page, built with Vite (`npm run build:browser`), reads
 * and analyses an embedding file in headless Chromium on embgeo's WebAssembly build, nothing
 * uploaded. Served by a tiny local static server twice: with COOP/COEP headers (cross-origin
 * isolated by the server), and without them (the page's service worker coi-sw.js isolates it after
 * one reload). Each time: it loads, analyses the demo .npy (bytes → readEmbeddings → analyze →
 * renderReport), shows every plot of the report, logs no console error or warning, and requests
 * nothing outside its own origin.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openUrlInChromium } from './browser.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const site = join(root, 'examples', 'browser', 'dist')
const FIXTURE = join(root, 'data', 'demo', 'minilm-stdlib.npy')
const PLOT_IDS = ['plot-spectrum', 'plot-twonn', 'plot-scaling', 'plot-local-id', 'plot-hubness', 'plot-scatter', 'plot-norms']
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.npy': 'application/octet-stream' }

/** Serve `site` (and the fixture at /fixture.npy) on 127.0.0.1, with COOP/COEP headers or without. */
async function serve(isolated: boolean): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    const file = path === '/fixture.npy' ? FIXTURE : join(site, normalize(path === '/' ? '/index.html' : path))
    if (!file.startsWith(site) && file !== FIXTURE) return void res.writeHead(403).end()
    if (!existsSync(file)) return void res.writeHead(404).end()
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }
    if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' })
    res.writeHead(200, headers).end(readFileSync(file))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const servers: Server[] = []
afterAll(() => {
  for (const s of servers) s.close()
})

const WASM_BUILT = existsSync(join(root, 'embgeo.wasm32-wasi.wasm'))
// CI's per-platform test jobs have no WASM artifact (its test-wasm job has): skip there only.
describe.skipIf(!WASM_BUILT && process.env.CI === 'true')('browser example', () => {
  beforeAll(() => {
    if (!WASM_BUILT) throw new Error('embgeo.wasm32-wasi.wasm is missing: run npm run build:wasm')
    execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'examples/browser/vite.config.js'], { cwd: root, stdio: 'pipe' })
  }, 120_000)

describe.each([
  { label: 'served with COOP/COEP headers', isolated: true, by: 'the server' },
  { label: 'served without them (coi-sw.js)', isolated: false, by: 'coi-sw.js' },
])('browser example, $label', ({ isolated, by }) => {
  it('loads, analyses the demo .npy and shows every plot, with no console errors', async () => {
    const { server, origin } = await serve(isolated)
    servers.push(server)
    const p = await openUrlInChromium(`${origin}/`)
    try {
      await p.page.waitForFunction("['ready', 'unsupported'].includes(document.body.dataset.state)", null, { timeout: 60_000 })
      const ready = (await p.page.evaluate("[globalThis.crossOriginIsolated, document.body.dataset.state, document.getElementById('status').textContent]")) as [boolean, string, string]
      expect(ready[0], String(ready[2])).toBe(true)
      expect(ready[1]).toBe('ready')
      expect(ready[2]).toContain(`isolated by ${by}`)
      expect(ready[2]).toContain('wasm32-wasip1-threads')
      // In the page: fetch the fixture's bytes and hand them to the drop handler's function.
      const state = (await p.page.evaluate(`(async () => {
        const bytes = new Uint8Array(await (await fetch('/fixture.npy')).arrayBuffer())
        await window.embgeoAnalyze(bytes, 'minilm-stdlib.npy')
        return [document.body.dataset.state, document.getElementById('status').textContent]
      })()`)) as [string, string]
      expect(state[0], String(state[1])).toBe('done')
      const frame = p.page.frames().find((f) => f !== p.page.mainFrame())!
      for (const id of PLOT_IDS) expect(await frame.locator(`#${id} svg`).count(), id).toBeGreaterThan(0)
      expect(p.problems).toEqual([])
      expect(p.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:') && u !== 'about:srcdoc')).toEqual([])
    } finally {
      await p.close()
    }
  }, 240_000)
})
})

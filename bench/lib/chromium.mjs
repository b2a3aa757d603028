/**
 * The Chromium half of bench/wasm.bench.mjs: builds bench/browser/ with Vite, serves it on
 * 127.0.0.1 with COOP/COEP headers (so the page is cross-origin isolated and embgeo's WebAssembly
 * pool can use threads) plus the benchmark datasets under /data/, and drives Debian's headless
 * /usr/bin/chromium through playwright-core (which never downloads a browser). One fresh browser
 * profile per page; one page per embgeo thread count, since the pool is sized once at load.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, extname, join, normalize } from 'node:path'

import { root, work } from './env.mjs'

export const CHROMIUM = '/usr/bin/chromium'
const site = `${root}bench/browser/dist`
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }

/** Build the page (bench/browser/vite.config.js). Needs bench/peers/node's npm packages. */
export function buildPage() {
  if (!existsSync(`${root}bench/peers/node/node_modules/ml-pca`)) throw new Error('run (cd bench/peers/node && npm ci) first')
  execFileSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build', '--config', 'bench/browser/vite.config.js'], { cwd: root, stdio: 'inherit' })
}

/** Serve the built page and `work`'s dataset files (/data/<file>); resolves to { origin, close }. */
export async function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    const file = path.startsWith('/data/') ? join(work, basename(path)) : join(site, normalize(path === '/' ? '/index.html' : path))
    if (!file.startsWith(site) && !file.startsWith(work)) return void res.writeHead(403).end()
    if (!existsSync(file)) return void res.writeHead(404).end()
    res
      .writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      })
      .end(readFileSync(file))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }
}

/**
 * Open `url` in a fresh headless Chromium and wait for the page's `ready` state. Resolves to
 * { info, job(spec), problems, close }: `job` runs `window.benchJob(spec)` in the page.
 */
export async function openPage(url) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: bash scripts/ensure-chromium.sh`)
  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'embgeo-bench-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const close = async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    const problems = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(url, { waitUntil: 'load' })
    await page.waitForFunction("document.body.dataset.state === 'ready'", null, { timeout: 120_000 })
    const info = await page.evaluate('window.benchInfo()')
    const job = (spec) => page.evaluate((s) => window.benchJob(s), spec)
    return { info, job, problems, close }
  } catch (err) {
    await close()
    throw err
  }
}

// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (which never downloads a browser of its own). One page, with its console problems and requests.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** A page open on a written HTML file, what it logged as errors/warnings, what it requested. */
export interface OpenPage {
  page: Page
  url: string
  problems: string[]
  requests: string[]
  close(): Promise<void>
}

/** Write `html` to `dir/name` and open it in a fresh headless Chromium profile (light scheme). */
export async function openInChromium(html: string, dir: string, name: string): Promise<OpenPage> {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  writeFileSync(file, html)
  return openUrlInChromium(pathToFileURL(file).href)
}

/** Open `url` in a fresh headless Chromium profile (light scheme). */
export async function openUrlInChromium(url: string): Promise<OpenPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium). This test never downloads a browser.`)
  }
  const { chromium } = await import('playwright-core')
  const userDataDir = mkdtempSync(join(tmpdir(), 'embgeo-browser-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  })
  const close = async (): Promise<void> => {
    await context.close()
    rmSync(userDataDir, { recursive: true, force: true })
  }
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    const problems: string[] = []
    const requests: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('request', (r) => requests.push(r.url()))
    await page.emulateMedia({ colorScheme: 'light' })
    await page.goto(url, { waitUntil: 'load' })
    return { page, url, problems, requests, close }
  } catch (err) {
    await close()
    throw err
  }
}

// The comparison report (src/report/compare.ts): renderCompareReport's output as text, and the page
// opened in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core, which never
// downloads a browser of its own). Screenshots go to .tmp/artifacts/compare-report-{light,dark}.png.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

import type { Comparison, ComparisonMatrix } from '../src/comparison.js'
import { renderCompareReport } from '../src/report/compare.js'
import { openInChromium } from './browser.js'
import { thrown } from './helpers.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ARTIFACTS = join(root, '.tmp', 'artifacts')
const LABELS = ['layer 0', 'layer 2', 'layer 4', 'layer 6 (output)']

/** An n × n matrix from f(i, j). */
function grid(n: number, f: (i: number, j: number) => number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j)))
}

function matrix(label: string, fields: Record<string, number[][]>, o: Partial<ComparisonMatrix> = {}): ComparisonMatrix {
  return { label, about: `${label}: what it means.`, primary: 'value', fields, symmetric: true, similarity: true, range: [0, 1], params: {}, seconds: 0.012, ...o }
}

/**
 * Synthetic renderer input (not a measurement): values chosen so that every cell is distinct and
 * recognisable — similarity 1 − |i − j|/10 + 0.001·(i + j), distances its complement.
 */
function synthetic(labels = LABELS): Comparison {
  const n = labels.length
  const sim = grid(n, (i, j) => (i === j ? 1 : 1 - Math.abs(i - j) / 10 + 0.001 * (i + j)))
  const dist = grid(n, (i, j) => (i === j ? 0 : Math.abs(i - j) / 10 + 0.0001 * (i + j)))
  return {
    schema: 'embgeo.comparison/1',
    labels,
    rows: 800,
    cols: labels.map(() => 384),
    measures: ['cka', 'ckaDebiased', 'procrustes', 'mutualKnn', 'linearity', 'informationImbalance'],
    options: { metric: 'cosine' },
    matrices: {
      cka: matrix('linear CKA', { value: sim }),
      ckaDebiased: matrix('debiased CKA', { value: grid(n, (i, j) => sim[i]![j]! - 0.05 * Number(i !== j)) }),
      procrustes: matrix('Procrustes', { angular: dist, distance: grid(n, (i, j) => 2 * dist[i]![j]!) }, { primary: 'angular', similarity: false, range: [0, Math.PI / 2] }),
      mutualKnn: matrix('mutual kNN', { value: sim, cknna: sim }),
      linearity: matrix('linearity', { value: grid(n, (i, j) => (i === j ? 1 : 0.9 - 0.01 * i + 0.002 * j)) }, { symmetric: false }),
      informationImbalance: matrix('information imbalance', { value: grid(n, (i, j) => 0.0025 + 0.1 * i + 0.01 * j) }, { symmetric: false, similarity: false }),
    },
    versions: { package: '0.1.0', native: '0.1.0', threads: 2 },
    createdAt: '2026-12-02T06:00:00.000Z',
  }
}

const HEATMAPS = ['plot-cka', 'plot-cka-debiased', 'plot-procrustes', 'plot-mutual-knn', 'plot-linearity', 'plot-information-imbalance']

/** Text that must never reach the page: it means a value was not handled. */
function badTokens(html: string): string[] {
  return [...html.matchAll(/NaN|undefined|-?Infinity|\[object Object\]/g)].map((m) => m[0])
}

describe('renderCompareReport', () => {
  it('is one HTML document with a heatmap figure per measure, each with one accessible svg and a caption', () => {
    const html = renderCompareReport(synthetic())
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html.match(/<html/g)).toHaveLength(1)
    for (const id of HEATMAPS) {
      const figure = new RegExp(`<figure id="${id}">[\\s\\S]*?</figure>`).exec(html)?.[0]
      expect(figure, id).toBeDefined()
      expect(figure!.match(/<svg[^>]*role="img"/g), id).toHaveLength(1)
      expect(figure, id).toMatch(/<figcaption>[^<]{40,}/)
      // 4 × 4 cells, each with its value as a tooltip
      expect(figure!.match(/class="eg-cell"/g), id).toHaveLength(16)
    }
  })

  it('has no NaN, undefined or Infinity and references nothing outside the file', () => {
    const html = renderCompareReport(synthetic())
    expect(badTokens(html)).toEqual([])
    expect(html).not.toMatch(/<script|https?:\/\/|<link|<img|url\(/i)
    expect(html).toContain("default-src 'none'")
  })

  it('shows every pairwise number in the table: both directions of directed measures, every field', () => {
    const html = renderCompareReport(synthetic())
    const table = /<table class="pairs">[\s\S]*?<\/table>/.exec(html)![0]
    // 4 sets → 6 unordered pairs
    expect(table.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(6)
    expect(table).toContain('layer 0 × layer 6 (output)')
    // columns: cka, ckaDebiased, procrustes angular + distance, mutualKnn value + cknna, linearity ×2, II ×2
    expect(table.match(/<th scope="col">/g)).toHaveLength(1 + 10)
    // cka(0, 3) = 1 − 0.3 + 0.003 = 0.703; II(3 → 0) = 0.0025 + 0.3 = 0.3025, II(0 → 3) = 0.0325
    expect(table).toContain('>0.703<')
    expect(table).toContain('>0.3025<')
    expect(table).toContain('>0.0325<')
    expect(table).toContain('Procrustes · distance')
  })

  it('escapes the title and labels', () => {
    const html = renderCompareReport(synthetic(['<a>', 'b&c', '"d"']), { title: '<script>x</script>' })
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(html).toContain('&lt;a&gt; × b&amp;c')
  })

  it('draws a cell that could not be computed empty and says so, without NaN text', () => {
    const c = synthetic()
    c.matrices.cka!.fields['value']![0]![1] = Number.NaN
    const html = renderCompareReport(c)
    expect(badTokens(html)).toEqual([])
    expect(html).toContain('1 cell could not be computed')
    expect(html).toContain('eg-cell-empty')
  })

  it('renders only the measures present (two sets, one measure)', () => {
    const c = synthetic(['a', 'b'])
    c.measures = ['procrustes']
    c.matrices = { procrustes: c.matrices.procrustes! }
    const html = renderCompareReport(c)
    expect(html.match(/<figure id=/g)).toHaveLength(1)
    expect(html).toContain('id="plot-procrustes"')
    expect(badTokens(html)).toEqual([])
  })

  it('rejects what is not a comparison with ERR_INVALID_ARG_TYPE, an unknown option with ERR_OUT_OF_RANGE', () => {
    expect(thrown(() => renderCompareReport({ schema: 'embgeo.analysis/1' } as unknown as Comparison)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => renderCompareReport(null as unknown as Comparison)).code).toBe('ERR_INVALID_ARG_TYPE')
    const broken = { ...synthetic(), matrices: { cka: { label: 'x' } } } as unknown as Comparison
    const e = thrown(() => renderCompareReport(broken))
    expect(e.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(e.message).toContain("not a complete 'embgeo.comparison/1' document")
    expect(thrown(() => renderCompareReport(synthetic(), { titel: 'x' } as never)).code).toBe('ERR_OUT_OF_RANGE')
  })
})

// Page background and text colour, and the fill of a heatmap's label.
const THEME_COLOURS = `(() => {
  const body = getComputedStyle(document.body)
  const label = document.querySelector('#plot-cka .eg-cell-label')
  return { bg: body.backgroundColor, fg: body.color, label: getComputedStyle(label).fill }
})()`

describe('renderCompareReport in headless Chromium', () => {
  it('loads with no console errors or requests, draws every heatmap, follows the colour scheme', async () => {
    const { page, url, problems, requests, close } = await openInChromium(renderCompareReport(synthetic()), ARTIFACTS, 'compare-report.html')
    try {

      for (const id of HEATMAPS) {
        const svg = page.locator(`#${id} svg[role="img"]`)
        expect(await svg.count(), id).toBe(1)
        const box = await svg.boundingBox()
        expect(box, id).not.toBeNull()
        expect(box!.width, id).toBeGreaterThan(300)
        expect(box!.height, id).toBeGreaterThan(300)
        expect(await svg.locator('rect.eg-cell').count(), id).toBe(16)
        expect(await svg.locator('text.eg-cell-text').count(), id).toBe(16)
        expect((await page.locator(`#${id} figcaption`).innerText()).length, id).toBeGreaterThan(40)
      }
      // the pair table is laid out and readable
      const table = page.locator('table.pairs')
      expect(await table.locator('tbody tr').count()).toBe(6)
      expect((await table.boundingBox())!.height).toBeGreaterThan(100)

      const colours = () => page.evaluate<{ bg: string; fg: string; label: string }>(THEME_COLOURS)
      const light = await colours()
      await page.screenshot({ path: join(ARTIFACTS, 'compare-report-light.png'), fullPage: true })
      await page.emulateMedia({ colorScheme: 'dark' })
      const dark = await colours()
      await page.screenshot({ path: join(ARTIFACTS, 'compare-report-dark.png'), fullPage: true })
      expect(dark.bg).not.toBe(light.bg)
      expect(dark.fg).not.toBe(light.fg)
      expect(dark.label).not.toBe(light.label)
      expect(light.bg).toBe('rgb(255, 255, 255)')

      expect(problems).toEqual([])
      expect(requests).toEqual([url])
    } finally {
      await close()
    }
  }, 60_000)
})

// The HTML report (src/report/): the SVG toolkit, renderReport's output as text, and the page
// opened in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core, which never
// downloads a browser of its own). Screenshots go to .tmp/artifacts/report-{light,dark}.png.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

import type { Analysis } from '../src/analysis.js'
import { renderReport, reportFigures } from '../src/report/index.js'
import { MAX_SCATTER_POINTS } from '../src/report/plots/scatter.js'
import {
  bars, dots, esc, extent, fmt, line, linearScale, logScale, logTicks, niceDomain, niceStep, niceTicks, num, pct,
  pointsFor, svgDocument,
} from '../src/report/svg.js'

import { openInChromium } from './browser.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Synthetic renderer input written by scripts/report-fixture.mjs (not a measurement).
const FIXTURE = join(root, '__test__', 'fixtures', 'report', 'analysis.json')
const ARTIFACTS = join(root, '.tmp', 'artifacts')
const PLOT_IDS = ['plot-spectrum', 'plot-twonn', 'plot-scaling', 'plot-local-id', 'plot-hubness', 'plot-scatter', 'plot-norms']

function fixture(): Analysis {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Analysis
}

/** Text that must never reach the page: it means a value was not handled. */
function badTokens(html: string): string[] {
  return [...html.matchAll(/NaN|undefined|-?Infinity|\[object Object\]/g)].map((m) => m[0])
}

describe('svg toolkit', () => {
  it('niceStep picks 1-2-5 steps', () => {
    // span / count = 0.2 → 2·10⁻¹; 10/5 = 2 → 2; 1000/5 = 200 → 200; 7/5 = 1.4 < √2 → 1.
    expect(niceStep(0, 1, 5)).toBeCloseTo(0.2, 15)
    expect(niceStep(-3, 7, 5)).toBe(2)
    expect(niceStep(0, 1000, 5)).toBe(200)
    expect(niceStep(0, 7, 5)).toBe(1)
    expect(niceStep(3, 3, 5)).toBe(1)
  })

  it('copes with a span at the limit of f64 (all norms 1 up to rounding) without looping', () => {
    expect(niceTicks(0.9999999999999998, 1.0000000000000002)).toEqual([0.9999999999999998, 1.0000000000000002])
    const s = linearScale([0.9999999999999998, 1.0000000000000002], [0, 100])
    expect(s.domain[0]).toBeLessThan(1)
    expect(s.domain[1]).toBeGreaterThan(1)
    expect(s.ticks().length).toBeGreaterThan(1)
    expect(s.ticks().length).toBeLessThan(20)
  })

  it('niceTicks are exact decimals inside the interval', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6])
    expect(niceTicks(0.1, 0.35, 5)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35])
    expect(niceTicks(5, 5)).toEqual([5])
    expect(niceTicks(Number.NaN, 1)).toEqual([])
    for (const t of niceTicks(0.0001, 0.0009, 4)) expect(String(t)).not.toMatch(/0000000|99999/)
  })

  it('niceDomain widens to whole steps', () => {
    expect(niceDomain(0.13, 9.7)).toEqual([0, 10])
    expect(niceDomain(-0.31, 2.2)).toEqual([-0.5, 2.5])
  })

  it('linearScale maps the domain onto the range, reversed for y', () => {
    const x = linearScale([0, 10], [50, 550])
    expect(x.map(0)).toBe(50)
    expect(x.map(10)).toBe(550)
    expect(x.map(5)).toBe(300)
    const y = linearScale([0, 10], [300, 20])
    expect(y.map(0)).toBe(300)
    expect(y.map(10)).toBe(20)
    expect(x.ticks().map((t) => t.label)).toEqual(['0', '2', '4', '6', '8', '10'])
  })

  it('linearScale survives degenerate and missing domains', () => {
    expect(linearScale([4, 4], [0, 100], { nice: false }).domain).toEqual([3.6, 4.4])
    expect(linearScale([0, 0], [0, 100], { nice: false }).domain).toEqual([-1, 1])
    expect(linearScale(undefined, [0, 100]).domain).toEqual([0, 1])
    expect(linearScale([Number.NaN, 3], [0, 100]).domain).toEqual([0, 1])
    expect(linearScale([10, 0], [0, 100]).domain).toEqual([0, 10])
  })

  it('linear tick labels share their decimals and use a true minus', () => {
    const labels = linearScale([-0.3, 0.3], [0, 100]).ticks().map((t) => t.label)
    expect(labels).toEqual(['−0.3', '−0.2', '−0.1', '0.0', '0.1', '0.2', '0.3'])
  })

  it('logScale spaces decades evenly and rejects values ≤ 0', () => {
    const y = logScale([1e-4, 1e-1], [400, 100], { nice: false })
    expect(y.map(1e-4)).toBeCloseTo(400, 9)
    expect(y.map(1e-3)).toBeCloseTo(300, 9)
    expect(y.map(1e-1)).toBeCloseTo(100, 9)
    expect(y.accepts(0)).toBe(false)
    expect(y.accepts(-1)).toBe(false)
    expect(y.accepts(Number.NaN)).toBe(false)
    expect(y.accepts(Number.POSITIVE_INFINITY)).toBe(false)
    expect(y.accepts(1e-9)).toBe(true)
  })

  it('logScale nice domain ends on a power of ten within 0.3 decades, else pads', () => {
    expect(logScale([1.5e-6, 0.08], [0, 1]).domain).toEqual([1e-6, 0.1])
    const padded = logScale([3e-6, 2e-2], [0, 1]).domain // 0.52 and 0.70 decades from the nearest powers
    expect(padded[0]).toBeLessThan(3e-6)
    expect(padded[0]).toBeGreaterThan(1e-6)
    expect(padded[1]).toBeGreaterThan(2e-2)
    expect(padded[1]).toBeLessThan(0.1)
    const narrow = logScale([0.3, 1.2], [0, 1]).domain
    expect(narrow[0]).toBeLessThan(0.3)
    expect(narrow[0]).toBeGreaterThan(0.25)
    expect(narrow[1]).toBeGreaterThan(1.2)
    expect(narrow[1]).toBeLessThan(1.5)
    expect(logScale(undefined, [0, 1], { nice: false }).domain).toEqual([1, 10])
    expect(logScale([0, 5], [0, 1], { nice: false }).domain).toEqual([1, 10])
  })

  it('log ticks: powers of ten (superscripts outside 10⁻³…10⁴), minor ticks unlabelled', () => {
    const wide = logTicks(1e-6, 1e-1)
    expect(wide.filter((t) => t.label).map((t) => t.label)).toEqual(['10⁻⁶', '10⁻⁵', '10⁻⁴', '10⁻³', '10⁻²', '10⁻¹'])
    expect(wide.filter((t) => !t.label).length).toBe(5 * 8)
    expect(logTicks(1, 1000).filter((t) => t.label).map((t) => t.label)).toEqual(['1', '10', '100', '1,000'])
    // Twelve decades: thinned to every other power.
    expect(logTicks(1e-12, 1).filter((t) => t.label).length).toBeLessThanOrEqual(7)
  })

  it('log ticks inside one decade use 1-2-5 (or finer) mantissas within the domain', () => {
    const t = logTicks(0.3, 1.2)
    expect(t.length).toBeGreaterThanOrEqual(3)
    for (const { value, label } of t) {
      expect(value).toBeGreaterThanOrEqual(0.3)
      expect(value).toBeLessThanOrEqual(1.2)
      expect(label).not.toBe('')
    }
    expect(logTicks(0, 1)).toEqual([])
  })

  it('esc escapes markup and drops characters XML forbids', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
    expect(esc('a\u0000b\u0008c\u000bd\ud800e')).toBe('abcde')
    expect(esc('tab\tnew\nline 😀')).toBe('tab\tnew\nline 😀')
    expect(esc(12)).toBe('12')
  })

  it('fmt formats numbers for people', () => {
    expect(fmt(12.3456)).toBe('12.3')
    expect(fmt(-0.5)).toBe('−0.5')
    expect(fmt(0)).toBe('0')
    expect(fmt(1.5e-5)).toBe('1.5×10⁻⁵')
    expect(fmt(2.5e6)).toBe('2.5×10⁶')
    expect(fmt(123456)).toBe('123,456')
    expect(fmt(0.18234, 2)).toBe('0.18')
    expect(fmt(Number.NaN)).toBe('—')
    expect(fmt(Number.NEGATIVE_INFINITY)).toBe('—')
    expect(pct(0.2314)).toBe('23.1 %')
    expect(pct(Number.NaN)).toBe('—')
  })

  it('num rounds to one decimal and refuses non-finite coordinates', () => {
    expect(num(1.26)).toBe('1.3')
    expect(num(-0.04)).toBe('0')
    expect(() => num(Number.NaN)).toThrow(RangeError)
    expect(() => num(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })

  it('extent and pointsFor skip what a scale cannot show and count it', () => {
    expect(extent([3, Number.NaN, -1, Number.POSITIVE_INFINITY, 2])).toEqual([-1, 3])
    expect(extent([Number.NaN])).toBeUndefined()
    const x = linearScale([0, 10], [0, 100])
    const y = logScale([1, 100], [100, 0])
    const p = pointsFor([1, 2, 3, 4, Number.NaN, 6], [10, 0, -5, Number.NaN, 5, 50, 7], x, y)
    expect(p.points).toEqual([{ x: 1, y: 10 }, { x: 6, y: 50 }])
    expect(p.skipped).toBe(5) // 7 values on the longer side, 2 drawable pairs
  })

  it('marks built from filtered points never contain NaN', () => {
    const x = linearScale([0, 1], [0, 100])
    const y = logScale([1e-3, 1], [100, 0])
    const { points } = pointsFor([0, 0.5, Number.NaN, 1], [0, 0.1, 0.5, Number.NaN], x, y)
    const svg = svgDocument({
      width: 100,
      height: 100,
      label: 'a <test>',
      body: line(points, x, y, 1) + dots(points, x, y, { series: 2, titles: ['<b>'] }) +
        bars([{ x0: 0, x1: 0.5, count: 0.2 }, { x0: 0.5, x1: Number.NaN, count: 1 }, { x0: 0.5, x1: 1, count: 0 }], x, y, 3),
    })
    expect(badTokens(svg)).toEqual([])
    expect(svg).toContain('role="img"')
    expect(svg).toContain('aria-label="a &lt;test&gt;"')
    expect(svg).toContain('<title>&lt;b&gt;</title>')
    expect(svg.match(/<rect /g)?.length).toBe(1)
  })
})

describe('renderReport', () => {
  const a = fixture()
  const html = renderReport(a)

  it('renders several analyses as sections with suffixed figure ids, showing a known true ID', () => {
    const synthetic = { ...fixture(), source: { ...fixture().source, name: 'sphere', intrinsicDimension: 10, description: 'a <seeded> 10-sphere' } }
    const out = renderReport([a, synthetic])
    for (const id of PLOT_IDS) {
      expect(out.match(new RegExp(`<figure id="${id}">`, 'g'))?.length, id).toBe(1)
      expect(out.match(new RegExp(`<figure id="${id}-2">`, 'g'))?.length, id).toBe(1)
    }
    expect(out).toContain('true intrinsic dimension <b>10</b>')
    expect(out).toContain('a &lt;seeded&gt; 10-sphere')
    expect(out.match(/<section class="set"/g)?.length).toBe(2)
    expect(() => renderReport([])).toThrow(/at least one analysis/)
    expect(() => renderReport([{ schema: 'x' } as unknown as typeof a])).toThrow(/schema 'embgeo.analysis\/1'/)
  })

  it('gives a coded error, never a bare TypeError/RangeError, for a hand-made document', () => {
    const broken = [
      { schema: 'embgeo.analysis/1' },
      { ...fixture(), spectrum: null },
      { ...fixture(), localId: { ...fixture().localId, histogram: { edges: [0], counts: [1, 2, 3] } } },
      { ...fixture(), hubness: 'none' },
    ]
    for (const [i, doc] of broken.entries()) {
      let err: unknown
      try {
        renderReport(doc as unknown as typeof a)
      } catch (e) {
        err = e
      }
      if (err === undefined && i > 0) continue // a document the renderer copes with is fine too
      expect((err as { code?: string }).code, `case ${i}: ${String(err)}`).toBe('ERR_INVALID_ARG_TYPE')
    }
    expect(() => renderReport(a, { titel: 'x' } as never)).toThrow(/no option 'titel'/)
  })

  it('is one HTML document with every plot in a figure, each with one accessible svg and a caption', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    for (const id of PLOT_IDS) {
      const m = html.match(new RegExp(`<figure id="${id}">([\\s\\S]*?)</figure>`))
      expect(m, id).not.toBeNull()
      const body = m![1]!
      expect(body.match(/<svg /g)?.length, id).toBe(1)
      expect(body, id).toMatch(/<svg class="eg-chart" viewBox="[^"]+" role="img" aria-label="[^"]+"/)
      expect(body, id).toMatch(/<figcaption>[^<]{40,}/)
    }
    expect(reportFigures(a).map((f) => f.id).sort()).toEqual([...PLOT_IDS].sort())
  })

  it('has no NaN, undefined or Infinity and references nothing outside the file', () => {
    expect(badTokens(html)).toEqual([])
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=/i)
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`)
  })

  it('shows the key numbers', () => {
    // Formatted as the summary formats them (3 significant digits, errors with 2).
    const twoNN = `${fmt(a.id.twoNN.dimension)} ± ${fmt(a.id.twoNN.stderr!, 2)}`
    const gride = `${fmt(a.id.gride.dimension)} ± ${fmt(a.id.gride.stderr!, 2)}`
    for (const s of [
      twoNN, gride, fmt(a.id.mle.dimension), fmt(a.spectrum.effectiveRank), fmt(a.spectrum.participationRatio),
      fmt(a.anisotropy.meanNormRatio), fmt(a.hubness.skewness), `${a.spectrum.components90} / ${a.spectrum.components95} / ${a.spectrum.components99}`,
      '20,000 × 384', 'synthetic-sentences-384.npy', 'avx2-f32', '0.1.0', '37', 'k = 20',
    ]) {
      expect(html, s).toContain(esc(s))
    }
    expect(html).toContain('<title>embgeo report: synthetic-sentences-384.npy</title>')
  })

  it('escapes the title and labels', () => {
    const b = fixture()
    b.scatter.labels = b.scatter.x.map((_, i) => (i === 0 ? '<img src=x onerror=alert(1)>' : `row "${i}" & more`))
    const out = renderReport(b, { title: '<script>alert(1)</script>' })
    expect(out).not.toContain('<script>')
    expect(out).not.toContain('<img')
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('stays under 1 MB with a 2000-point scatter', () => {
    expect(a.scatter.x.length).toBe(2000)
    expect(Buffer.byteLength(html)).toBeLessThan(1_000_000)
  })

  it('renders degenerate input without NaN and says what it left out', () => {
    const b = fixture()
    b.spectrum.eigenvalues = [0.5, 0.1, 0, -1e-12, Number.NaN]
    b.spectrum.explainedVarianceRatio = [0.8, 0.2, 0, 0, Number.NaN]
    b.spectrum.cumulative = [0.8, 1, 1, 1, Number.NaN]
    b.spectrum.components90 = 2
    b.spectrum.components95 = 2
    b.spectrum.components99 = 2
    b.twoNNFit = { x: [0.1, Number.NaN], y: [0.9, Number.POSITIVE_INFINITY], slope: Number.NaN }
    b.id.twoNN.stderr = Number.NaN
    b.scaling.twonn = { method: 'twonn', scales: [0.5], dimensions: [7], stderr: [Number.NaN], sizes: [100] }
    b.scaling.gride = { method: 'gride', scales: [], dimensions: [], stderr: [], sizes: [] }
    b.localId.histogram = { edges: [3, 3], counts: [12] }
    b.localId.median = Number.NaN
    b.hubness.histogram = { edges: [0, 1, 2], counts: [5, Number.NaN] }
    b.norms.histogram = { edges: [], counts: [] }
    b.scatter = { x: [1, Number.NaN, 2], y: [1, 2], rows: [0, 1, 2], explained: [Number.NaN, 0.1] }
    const out = renderReport(b)
    expect(badTokens(out)).toEqual([])
    for (const id of PLOT_IDS) expect(out).toContain(`id="${id}"`)
    expect(out).toMatch(/3 eigenvalues that are zero, negative or not finite cannot be shown on the log axis/)
    expect(out).toContain('1 point with a non-finite coordinate left out')
    expect(out).toContain('no line is drawn')
    expect(out).toContain('1 bin with a non-finite edge or count left out')
    expect(out).toContain('2 points with a non-finite or missing coordinate left out')
    expect(out).toContain('>no data</text>')
  })

  it('renders an analysis whose arrays are all empty', () => {
    const b = fixture()
    b.spectrum = { ...b.spectrum, eigenvalues: [], explainedVarianceRatio: [], cumulative: [], components90: 0, components95: 0, components99: 0 }
    b.twoNNFit = { x: [], y: [], slope: 0 }
    b.scaling = { twonn: { ...b.scaling.twonn, scales: [], dimensions: [], stderr: [], sizes: [] }, gride: { ...b.scaling.gride, scales: [], dimensions: [], stderr: [], sizes: [] } }
    b.localId.histogram = { edges: [], counts: [] }
    b.hubness.histogram = { edges: [0], counts: [] }
    b.norms.histogram = { edges: [], counts: [] }
    b.scatter = { x: [], y: [], rows: [], explained: [0, 0] }
    b.timings = {}
    const out = renderReport(b)
    expect(badTokens(out)).toEqual([])
    expect(out).toContain('no positive eigenvalues')
    expect(out).toContain('no fit points')
    expect(out).toContain('no scales to show')
    expect(out).toContain('no points')
  })

  it('draws at most MAX_SCATTER_POINTS dots of a huge scatter and says so', () => {
    const b = fixture()
    const n = 3 * MAX_SCATTER_POINTS + 1
    b.scatter = { x: Array.from({ length: n }, (_, i) => Math.sin(i)), y: Array.from({ length: n }, (_, i) => Math.cos(i * 0.7)), rows: Array.from({ length: n }, (_, i) => i), explained: [0.2, 0.1] }
    const fig = reportFigures(b).find((f) => f.id === 'plot-scatter')!
    const drawn = fig.svg.match(/<circle /g)?.length ?? 0
    expect(drawn).toBe(3751 + 1) // + the legend marker
    // stride ceil(15001 / 5000) = 4 keeps ceil(15001 / 4) = 3751 points
    expect(fig.notes).toContain('3,751 points of 15,001 drawn (one in every 4).')
  })
})

// Browser-side checks, as source text (the project compiles without the DOM library).
// Every pair of <text> boxes in one chart that overlap by more than 1 px in both directions.
const OVERLAPPING_LABELS = `(() => {
  const found = []
  for (const svg of document.querySelectorAll('svg.eg-chart')) {
    const boxes = [...svg.querySelectorAll('text')]
      .map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }))
      .filter((b) => b.r.width > 0)
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r
        const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left)
        const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)
        if (dx > 1 && dy > 1) found.push(svg.closest('figure').id + ': "' + boxes[i].text + '" / "' + boxes[j].text + '"')
      }
    }
  }
  return found
})()`
// Page background and text colour, and the fill of a chart's tick label.
const THEME_COLOURS = `(() => {
  const body = getComputedStyle(document.body)
  const tick = document.querySelector('#plot-spectrum .eg-axis text')
  return { bg: body.backgroundColor, fg: body.color, tick: getComputedStyle(tick).fill }
})()`

describe('renderReport in headless Chromium', () => {
  it('loads with no console errors or requests, draws every plot, follows the colour scheme', async () => {
    const { page, url, problems, requests, close } = await openInChromium(renderReport(fixture()), ARTIFACTS, 'report.html')
    try {

      // Every plot: a visible svg with drawn marks.
      const minMarks: Record<string, string[]> = {
        'plot-spectrum': ['path.eg-line', '2'],
        'plot-twonn': ['.eg-dots circle', '1000'],
        'plot-scaling': ['.eg-dots circle, .eg-dots rect', '10'],
        'plot-local-id': ['.eg-bars rect', '20'],
        'plot-hubness': ['.eg-bars rect', '20'],
        'plot-scatter': ['.eg-dots circle', '1000'],
        'plot-norms': ['.eg-bars rect', '20'],
      }
      for (const id of PLOT_IDS) {
        const svg = page.locator(`#${id} svg[role="img"]`)
        expect(await svg.count(), id).toBe(1)
        const box = await svg.boundingBox()
        expect(box, id).not.toBeNull()
        expect(box!.width, id).toBeGreaterThan(300)
        expect(box!.height, id).toBeGreaterThan(150)
        const [selector, min] = minMarks[id]!
        expect(await svg.locator(selector!).count(), `${id} ${selector}`).toBeGreaterThanOrEqual(Number(min))
        expect((await page.locator(`#${id} figcaption`).innerText()).length, id).toBeGreaterThan(40)
      }
      expect(await page.locator('svg[role="img"][aria-label]').count()).toBe(PLOT_IDS.length)

      // No two labels of a chart overlap (tick labels, axis titles, legends, annotations).
      const overlaps = await page.evaluate<string[]>(OVERLAPPING_LABELS)
      expect(overlaps).toEqual([])

      const colours = () => page.evaluate<{ bg: string; fg: string; tick: string }>(THEME_COLOURS)
      const light = await colours()
      await page.screenshot({ path: join(ARTIFACTS, 'report-light.png'), fullPage: true })
      await page.emulateMedia({ colorScheme: 'dark' })
      const dark = await colours()
      await page.screenshot({ path: join(ARTIFACTS, 'report-dark.png'), fullPage: true })
      expect(dark.bg).not.toBe(light.bg)
      expect(dark.fg).not.toBe(light.fg)
      expect(dark.tick).not.toBe(light.tick)
      expect(light.bg).toBe('rgb(255, 255, 255)')

      expect(problems).toEqual([])
      expect(requests).toEqual([url])
    } finally {
      await close()
    }
  }, 60_000)
})

/**
 * A tiny SVG chart toolkit for the HTML report: escaping, number formatting, linear and log scales
 * with "nice" ticks, axes, lines, dots, bars, error bars, reference lines and legends. Output is
 * plain SVG markup as strings; colours come from CSS classes (`CHART_CSS`), so charts follow the
 * page's light or dark theme. No dependencies, no DOM.
 *
 * Every mark function skips values its scale cannot show (non-finite, or ≤ 0 on a log axis), so
 * 'NaN' or 'Infinity' never reach the markup; `num` throws if one does, which is a bug here.
 */

/** U+2212, the typographic minus used in labels. */
export const MINUS = '\u2212'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
// Characters XML 1.0 forbids (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/FFFF).
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `text` made safe as HTML/SVG text or a quoted attribute value (`& < > " '` escaped, XML-invalid characters dropped). */
export function esc(text: unknown): string {
  return String(text).replace(FORBIDDEN, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻',
}

/** `10` raised to integer `exponent`, written with Unicode superscripts: `pow10Label(-3)` is '10⁻³'. */
export function pow10Label(exponent: number): string {
  return '10' + String(exponent).replace(/./g, (c) => SUPERSCRIPT[c] ?? c)
}

function withMinus(s: string): string {
  return s.replace(/^-/, MINUS)
}

/**
 * A number for people: `digits` significant digits, trailing zeros dropped, thousands separated,
 * a true minus sign, and `m×10ⁿ` below 0.001 or from 10⁶ on; '—' for a non-finite value.
 */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '—'
  if (value === 0) return '0'
  const a = Math.abs(value)
  if (a < 1e-3 || a >= 1e6) {
    const [mantissa, exponent] = value.toExponential(Math.max(0, digits - 1)).split('e') as [string, string]
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa
    return withMinus(`${m}×${pow10Label(Number(exponent))}`)
  }
  if (a >= 10 ** digits) return withMinus(Math.round(value).toLocaleString('en-US'))
  return withMinus(String(Number(value.toPrecision(digits))))
}

/** A ratio in [0, 1] as a percentage with `digits` significant digits: `pct(0.2314)` is '23.1 %'. */
export function pct(ratio: number, digits = 3): string {
  return Number.isFinite(ratio) ? `${fmt(ratio * 100, digits)} %` : '—'
}

/** A duration in seconds: '850 ms', '2.41 s', '3 min 12 s'. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—'
  if (seconds < 1) return `${fmt(seconds * 1000, 3)} ms`
  if (seconds < 60) return `${fmt(seconds, 3)} s`
  const m = Math.floor(seconds / 60)
  return `${m} min ${Math.round(seconds - 60 * m)} s`
}

/** A coordinate for SVG markup: at most one decimal. Throws on a non-finite value (a bug in a caller). */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`non-finite coordinate ${v} in SVG output`)
  const r = Math.round(v * 10) / 10
  return String(r === 0 ? 0 : r)
}

// ---------------------------------------------------------------------------------------- ticks

/** The 1-2-5 step (× a power of ten) that cuts [min, max] into about `count` intervals. */
export function niceStep(min: number, max: number, count = 5): number {
  const span = max - min
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const err = raw / power
  const factor = err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.sqrt(2) ? 2 : 1
  return factor * power
}

// k·step without the binary noise of repeated addition (0.30000000000000004).
function multiple(k: number, step: number): number {
  const v = step < 1 ? k / Math.round(1 / step) : k * step
  return v === 0 ? 0 : v // no -0
}

/** Multiples of `niceStep(min, max, count)` inside [min, max], ascending. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (min === max) return [min]
  if (min > max) [min, max] = [max, min]
  const step = niceStep(min, max, count)
  const eps = step * 1e-9
  const out: number[] = []
  // Ticks finer than f64 can count at this magnitude: give the ends only (never loop on k++ = k).
  if (step < 1e-12 * Math.max(Math.abs(min), Math.abs(max))) return [min, max]
  for (let k = Math.ceil((min - eps) / step); k <= Math.floor((max + eps) / step); k++) out.push(multiple(k, step))
  return out
}

/** [min, max] widened outward to multiples of its nice step (so the axis starts and ends on a tick). */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  for (let i = 0; i < 2; i++) {
    const step = niceStep(min, max, count)
    min = multiple(Math.floor(min / step + 1e-9), step)
    max = multiple(Math.ceil(max / step - 1e-9), step)
  }
  return [min, max]
}

function decimalsFor(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9))
}

/** One axis tick: its value and label ('' for an unlabelled minor tick). */
export interface Tick {
  value: number
  label: string
}

/** Labels for evenly spaced ticks: the same number of decimals on every tick of an axis. */
export function linearTickLabels(values: number[]): Tick[] {
  const step = values.length > 1 ? Math.abs(values[1]! - values[0]!) : Math.abs(values[0] ?? 1) || 1
  const big = values.some((v) => Math.abs(v) >= 1e6)
  const tiny = values.every((v) => v === 0 || Math.abs(v) < 1e-3)
  if (big || tiny) return values.map((value) => ({ value, label: fmt(value, 3) }))
  const d = decimalsFor(step)
  return values.map((value) => {
    const s = Math.abs(value) >= 1e4 ? Math.round(value).toLocaleString('en-US') : value.toFixed(d)
    return { value, label: withMinus(s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s) }
  })
}

// ---------------------------------------------------------------------------------------- scales

/** Maps data values to pixels along one axis. */
export interface Scale {
  readonly kind: 'linear' | 'log'
  /** Data interval shown, [low, high]. */
  readonly domain: readonly [number, number]
  /** Pixel interval, [at domain[0], at domain[1]] (reversed for a y axis). */
  readonly range: readonly [number, number]
  /** Pixel position of `v` (only call for `accepts(v)`). */
  map(v: number): number
  /** Whether the scale can show `v`: finite, and > 0 on a log scale. */
  accepts(v: number): boolean
  /** Tick marks with labels; minor ticks have an empty label. */
  ticks(count?: number): Tick[]
}

/** Options of {@link linearScale} and {@link logScale}. */
export interface ScaleOptions {
  /** Widen the domain outward to round values (default true). */
  nice?: boolean
  /** About how many ticks to aim for (default 5). */
  count?: number
}

/** The finite [min, max] of `values` that `accept` lets through, or undefined if there is none. */
export function extent(values: Iterable<number>, accept: (v: number) => boolean = Number.isFinite): [number, number] | undefined {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values) {
    if (!accept(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  return lo <= hi ? [lo, hi] : undefined
}

function widenDegenerate(d: readonly [number, number] | undefined): [number, number] {
  if (!d || !Number.isFinite(d[0]) || !Number.isFinite(d[1])) return [0, 1]
  let [lo, hi] = d[0] <= d[1] ? [d[0], d[1]] : [d[1], d[0]]
  // A span below ~1e-9 of the magnitude cannot be ticked in f64 (k·step loses its integer k):
  // treat it as a single value, e.g. norms that are all 1 up to rounding.
  if (hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) {
    const mid = (lo + hi) / 2
    lo = mid
    hi = mid
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo -= pad
    hi += pad
  }
  return [lo, hi]
}

/** A linear scale from `domain` (any order, may be degenerate or undefined) to `range`. */
export function linearScale(domain: readonly [number, number] | undefined, range: readonly [number, number], options: ScaleOptions = {}): Scale {
  const count = options.count ?? 5
  let [lo, hi] = widenDegenerate(domain)
  if (options.nice ?? true) [lo, hi] = niceDomain(lo, hi, count)
  const [r0, r1] = range
  const k = (r1 - r0) / (hi - lo)
  return {
    kind: 'linear',
    domain: [lo, hi],
    range: [r0, r1],
    map: (v) => r0 + (v - lo) * k,
    accepts: (v) => Number.isFinite(v),
    ticks: (c = count) => linearTickLabels(niceTicks(lo, hi, c)),
  }
}

const MANTISSAS = [[1, 2, 5], [1, 2, 3, 5], [1, 1.5, 2, 3, 4, 5, 6, 8]]

/** Ticks of a log axis over [lo, hi] (both > 0). */
export function logTicks(lo: number, hi: number, count = 5): Tick[] {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) return []
  const l0 = Math.log10(lo)
  const l1 = Math.log10(hi)
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)
  const e0 = Math.floor(l0)
  const e1 = Math.ceil(l1)
  if (l1 - l0 > 1.3) {
    const powers: number[] = []
    for (let e = e0; e <= e1; e++) if (inside(10 ** e)) powers.push(e)
    if (powers.length >= 2) {
      const stride = Math.ceil(powers.length / Math.max(2, count + 2))
      const plain = powers.every((e) => e >= -3 && e <= 4)
      const ticks: Tick[] = []
      for (const e of powers) {
        if ((e - powers[0]!) % stride !== 0) continue
        const value = 10 ** e
        ticks.push({ value, label: plain ? fmt(value, 1) : pow10Label(e) })
      }
      if (stride === 1 && l1 - l0 <= 5) {
        for (let e = e0; e <= e1; e++) {
          for (let m = 2; m <= 9; m++) if (inside(m * 10 ** e)) ticks.push({ value: m * 10 ** e, label: '' })
        }
      }
      return ticks.sort((a, b) => a.value - b.value)
    }
  }
  for (const set of MANTISSAS) {
    const values: number[] = []
    for (let e = e0; e <= e1; e++) for (const m of set) if (inside(m * 10 ** e)) values.push(Number((m * 10 ** e).toPrecision(6)))
    if (values.length >= 3 && values.length <= 2 * count + 2) return values.map((value) => ({ value, label: fmt(value, 3) }))
  }
  return linearTickLabels(niceTicks(lo, hi, count))
}

/** A log-10 scale; `domain` must be positive (undefined or non-positive gives [1, 10]). */
export function logScale(domain: readonly [number, number] | undefined, range: readonly [number, number], options: ScaleOptions = {}): Scale {
  const count = options.count ?? 5
  let [lo, hi] = domain && domain[0] > 0 && domain[1] > 0 && Number.isFinite(domain[0]) && Number.isFinite(domain[1])
    ? (domain[0] <= domain[1] ? [domain[0], domain[1]] : [domain[1], domain[0]])
    : [1, 10]
  if (lo === hi) {
    lo /= 2
    hi *= 2
  }
  if (options.nice ?? true) {
    // Pad by 5 % of the span (in decades), but end on a power of ten when one is within 0.3 decades.
    const l0 = Math.log10(lo)
    const l1 = Math.log10(hi)
    const pad = Math.max(0.02, 0.05 * (l1 - l0))
    lo = l0 - Math.floor(l0 + 1e-9) < 0.3 ? 10 ** Math.floor(l0 + 1e-9) : 10 ** (l0 - pad)
    hi = Math.ceil(l1 - 1e-9) - l1 < 0.3 ? 10 ** Math.ceil(l1 - 1e-9) : 10 ** (l1 + pad)
  }
  const [r0, r1] = range
  const a = Math.log10(lo)
  const k = (r1 - r0) / (Math.log10(hi) - a)
  return {
    kind: 'log',
    domain: [lo, hi],
    range: [r0, r1],
    map: (v) => r0 + (Math.log10(v) - a) * k,
    accepts: (v) => Number.isFinite(v) && v > 0,
    ticks: (c = count) => logTicks(lo, hi, c),
  }
}

// ---------------------------------------------------------------------------------------- points

/** A data point. */
export interface Point {
  x: number
  y: number
}

/** Pairs (xs[i], ys[i]) both scales accept, and how many pairs were skipped (including a length mismatch). */
export function pointsFor(xs: readonly number[], ys: readonly number[], x: Scale, y: Scale): { points: Point[]; skipped: number } {
  const n = Math.min(xs.length, ys.length)
  const points: Point[] = []
  for (let i = 0; i < n; i++) if (x.accepts(xs[i]!) && y.accepts(ys[i]!)) points.push({ x: xs[i]!, y: ys[i]! })
  return { points, skipped: Math.max(xs.length, ys.length) - points.length }
}

/** Every `stride`-th index so at most `max` of `n` remain (deterministic, keeps the first). */
export function strideIndices(n: number, max: number): number[] {
  const stride = Math.max(1, Math.ceil(n / Math.max(1, max)))
  const out: number[] = []
  for (let i = 0; i < n; i += stride) out.push(i)
  return out
}

// ---------------------------------------------------------------------------------------- layout

/** The plot area inside an SVG, in SVG units. */
export interface Frame {
  left: number
  top: number
  width: number
  height: number
}

/** Margins around a plot area. */
export interface Margin {
  top: number
  right: number
  bottom: number
  left: number
}

/** The plot area of a `width` × `height` SVG with `margin`. */
export function frameOf(width: number, height: number, margin: Margin): Frame {
  return { left: margin.left, top: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom }
}

/** Approximate width in SVG units of `text` at `size` px in a system sans-serif font. */
export function textWidth(text: string, size = 11): number {
  let w = 0
  for (const c of text) w += /[ilj.,:;'|!1]/.test(c) ? 0.32 : /[mwMW]/.test(c) ? 0.9 : /[A-Z×]/.test(c) ? 0.68 : 0.56
  return w * size
}

/** Left margin that fits the labels of `ticks` plus a rotated axis title. */
export function leftMarginFor(ticks: Tick[], withTitle = true): number {
  const widest = Math.max(0, ...ticks.map((t) => textWidth(t.label)))
  return Math.ceil(widest + 12 + (withTitle ? 22 : 4))
}

// ---------------------------------------------------------------------------------------- markup

/** Options of {@link svgDocument}. */
export interface SvgOptions {
  width: number
  height: number
  /** Accessible name (aria-label) of the chart. */
  label: string
  /** Markup inside. */
  body: string
}

/** An `<svg role="img">` with a viewBox, scaled to its container's width by CSS. */
export function svgDocument(o: SvgOptions): string {
  return (
    `<svg class="eg-chart" viewBox="0 0 ${num(o.width)} ${num(o.height)}" ` +
    `role="img" aria-label="${esc(o.label)}">${o.body}</svg>`
  )
}

/** Options of {@link axes}. */
export interface AxesOptions {
  xLabel?: string
  yLabel?: string
  /** Draw x tick labels (default true; false for a panel that shares the x axis of the one below). */
  xTickLabels?: boolean
  /** Light grid lines at the major y ticks (default true) and x ticks (default false). */
  yGrid?: boolean
  xGrid?: boolean
  xTicks?: Tick[]
  yTicks?: Tick[]
}

/** Both axes of a plot area: baseline, ticks, tick labels, titles and optional grid lines. */
export function axes(x: Scale, y: Scale, f: Frame, o: AxesOptions = {}): string {
  const xt = o.xTicks ?? x.ticks()
  const yt = o.yTicks ?? y.ticks()
  const bottom = f.top + f.height
  const right = f.left + f.width
  const parts: string[] = []
  const grid: string[] = []
  if (o.yGrid ?? true) for (const t of yt) if (t.label) grid.push(`<line x1="${num(f.left)}" x2="${num(right)}" y1="${num(y.map(t.value))}" y2="${num(y.map(t.value))}"/>`)
  if (o.xGrid ?? false) for (const t of xt) if (t.label) grid.push(`<line x1="${num(x.map(t.value))}" x2="${num(x.map(t.value))}" y1="${num(f.top)}" y2="${num(bottom)}"/>`)
  if (grid.length) parts.push(`<g class="eg-grid">${grid.join('')}</g>`)
  const xs: string[] = [`<line class="eg-base" x1="${num(f.left)}" x2="${num(right)}" y1="${num(bottom)}" y2="${num(bottom)}"/>`]
  for (const t of xt) {
    const px = num(x.map(t.value))
    xs.push(`<line x1="${px}" x2="${px}" y1="${num(bottom)}" y2="${num(bottom + (t.label ? 5 : 3))}"/>`)
    if (t.label && (o.xTickLabels ?? true)) xs.push(`<text x="${px}" y="${num(bottom + 17)}" text-anchor="middle">${esc(t.label)}</text>`)
  }
  if (o.xLabel) xs.push(`<text class="eg-title" x="${num(f.left + f.width / 2)}" y="${num(bottom + 36)}" text-anchor="middle">${esc(o.xLabel)}</text>`)
  parts.push(`<g class="eg-axis eg-x">${xs.join('')}</g>`)
  const ys: string[] = [`<line class="eg-base" x1="${num(f.left)}" x2="${num(f.left)}" y1="${num(f.top)}" y2="${num(bottom)}"/>`]
  let widest = 0
  for (const t of yt) {
    const py = num(y.map(t.value))
    ys.push(`<line x1="${num(f.left - (t.label ? 5 : 3))}" x2="${num(f.left)}" y1="${py}" y2="${py}"/>`)
    if (t.label) {
      widest = Math.max(widest, textWidth(t.label))
      ys.push(`<text x="${num(f.left - 8)}" y="${py}" dy="0.35em" text-anchor="end">${esc(t.label)}</text>`)
    }
  }
  if (o.yLabel) {
    const cx = f.left - widest - 20
    const cy = f.top + f.height / 2
    ys.push(`<text class="eg-title" transform="translate(${num(cx)} ${num(cy)}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`)
  }
  parts.push(`<g class="eg-axis eg-y">${ys.join('')}</g>`)
  return parts.join('')
}

/** Colour series 1–6 (CSS classes `eg-s1`…`eg-s6`, Okabe–Ito palette in `CHART_CSS`). */
export type Series = 1 | 2 | 3 | 4 | 5 | 6

/** A polyline through `points` (already filtered by {@link pointsFor}), as one `<path>`. */
export function line(points: Point[], x: Scale, y: Scale, series: Series, extraClass = ''): string {
  if (points.length < 2) return ''
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${num(x.map(p.x))} ${num(y.map(p.y))}`).join('')
  return `<path class="eg-line eg-s${series}${extraClass ? ' ' + extraClass : ''}" d="${d}"/>`
}

/** Marker shapes for {@link dots}. */
export type Shape = 'circle' | 'square' | 'diamond'

function marker(shape: Shape, cx: number, cy: number, r: number, title: string | undefined): string {
  const t = title === undefined ? '' : `<title>${esc(title)}</title>`
  const close = t ? `>${t}</` : '/>'
  if (shape === 'circle') return `<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}"${close}${t ? 'circle>' : ''}`
  if (shape === 'square') {
    const s = r * 1.8
    return `<rect x="${num(cx - s / 2)}" y="${num(cy - s / 2)}" width="${num(s)}" height="${num(s)}"${close}${t ? 'rect>' : ''}`
  }
  const q = r * 1.35
  const d = `M${num(cx)} ${num(cy - q)}L${num(cx + q)} ${num(cy)}L${num(cx)} ${num(cy + q)}L${num(cx - q)} ${num(cy)}Z`
  return `<path d="${d}"${close}${t ? 'path>' : ''}`
}

/** Options of {@link dots}. */
export interface DotOptions {
  series: Series
  /** Radius in SVG units (default 2.5). */
  r?: number
  shape?: Shape
  /** Tooltip text per point (a `<title>` child), same order as `points`. */
  titles?: readonly string[]
  /** Extra class on the group, e.g. 'eg-faint' for dense scatters. */
  className?: string
}

/** One marker per point, in a `<g>` carrying the series colour. */
export function dots(points: Point[], x: Scale, y: Scale, o: DotOptions): string {
  if (points.length === 0) return ''
  const r = o.r ?? 2.5
  const shape = o.shape ?? 'circle'
  const marks = points.map((p, i) => marker(shape, x.map(p.x), y.map(p.y), r, o.titles?.[i])).join('')
  return `<g class="eg-dots eg-s${o.series}${o.className ? ' ' + o.className : ''}">${marks}</g>`
}

/** A point with a symmetric error `err` on y. */
export interface ErrorPoint extends Point {
  err: number
}

/** Vertical error bars y ± err with caps; points whose err is not finite or ≤ 0 get none. */
export function errorBars(points: ErrorPoint[], x: Scale, y: Scale, series: Series, cap = 4): string {
  const parts: string[] = []
  for (const p of points) {
    if (!(Number.isFinite(p.err) && p.err > 0)) continue
    let lo = p.y - p.err
    let hi = p.y + p.err
    if (!y.accepts(lo)) lo = y.domain[0]
    if (!y.accepts(hi)) continue
    const px = x.map(p.x)
    const y0 = y.map(lo)
    const y1 = y.map(hi)
    parts.push(
      `<path d="M${num(px)} ${num(y0)}V${num(y1)}M${num(px - cap)} ${num(y0)}h${num(2 * cap)}M${num(px - cap)} ${num(y1)}h${num(2 * cap)}"/>`,
    )
  }
  return parts.length ? `<g class="eg-err eg-s${series}">${parts.join('')}</g>` : ''
}

/** One histogram bar: `count` over [x0, x1], with an optional tooltip. */
export interface Bin {
  x0: number
  x1: number
  count: number
  title?: string
}

/** Bars from the baseline (0, or the bottom of the y domain) up to each bin's count; bins the scales cannot show are skipped. */
export function bars(bins: readonly Bin[], x: Scale, y: Scale, series: Series): string {
  const base = y.map(y.kind === 'log' ? y.domain[0] : Math.max(y.domain[0], 0))
  const parts: string[] = []
  for (const b of bins) {
    if (!x.accepts(b.x0) || !x.accepts(b.x1) || !y.accepts(b.count) || b.count <= 0) continue
    const x0 = x.map(Math.min(b.x0, b.x1))
    const x1 = x.map(Math.max(b.x0, b.x1))
    const gap = x1 - x0 > 4 ? 0.5 : 0
    const top = y.map(b.count)
    const attrs = `x="${num(x0 + gap)}" y="${num(top)}" width="${num(Math.max(0.6, x1 - x0 - 2 * gap))}" height="${num(Math.max(0.6, base - top))}"`
    parts.push(b.title === undefined ? `<rect ${attrs}/>` : `<rect ${attrs}><title>${esc(b.title)}</title></rect>`)
  }
  return parts.length ? `<g class="eg-bars eg-s${series}">${parts.join('')}</g>` : ''
}

/**
 * A dashed vertical reference line at `value` across the plot area, labelled above it (row `row`
 * counts upward from the top edge, 13 units per row; leave that room in the top margin).
 */
export function refLineX(value: number, x: Scale, f: Frame, label?: string, row = 0): string {
  if (!x.accepts(value)) return ''
  const px = x.map(value)
  if (px < f.left - 0.5 || px > f.left + f.width + 0.5) return ''
  const right = px > f.left + f.width - textWidth(label ?? '', 10.5) - 4
  const text = label
    ? `<text class="eg-note" x="${num(px + (right ? 3 : -3))}" y="${num(f.top - 5 - 13 * row)}" text-anchor="${right ? 'end' : 'start'}">${esc(label)}</text>`
    : ''
  return `<g class="eg-ref"><line x1="${num(px)}" x2="${num(px)}" y1="${num(f.top - (label ? 4 + 13 * row : 0))}" y2="${num(f.top + f.height)}"/>${text}</g>`
}

/** A dashed horizontal reference line at `value` with an optional label at its right end. */
export function refLineY(value: number, y: Scale, f: Frame, label?: string): string {
  if (!y.accepts(value)) return ''
  const py = y.map(value)
  if (py < f.top - 0.5 || py > f.top + f.height + 0.5) return ''
  const text = label ? `<text class="eg-note" x="${num(f.left + f.width - 4)}" y="${num(py - 4)}" text-anchor="end">${esc(label)}</text>` : ''
  return `<g class="eg-ref"><line x1="${num(f.left)}" x2="${num(f.left + f.width)}" y1="${num(py)}" y2="${num(py)}"/>${text}</g>`
}

/** Text placed in the plot area (e.g. 'no data'), centred. */
export function centredNote(f: Frame, text: string): string {
  return `<text class="eg-empty" x="${num(f.left + f.width / 2)}" y="${num(f.top + f.height / 2)}" text-anchor="middle">${esc(text)}</text>`
}

/** One legend entry. */
export interface LegendItem {
  label: string
  series: Series
  kind: 'line' | 'dot' | 'bar' | 'ref'
  shape?: Shape
}

/**
 * A one-row legend whose first entry starts at (`x`, `y`) (y = text baseline); entries that would
 * pass `maxX` wrap to a new row 15 units lower. Returns the markup and the rows used.
 */
export function legend(items: LegendItem[], x: number, y: number, maxX = Infinity): { svg: string; rows: number } {
  const parts: string[] = []
  let cx = x
  let cy = y
  let rows = items.length ? 1 : 0
  for (const it of items) {
    const w = 22 + textWidth(it.label) + 14
    if (cx > x && cx + w > maxX) {
      cx = x
      cy += 15
      rows++
    }
    const my = cy - 4
    let sym: string
    if (it.kind === 'line') sym = `<path class="eg-line eg-s${it.series}" d="M${num(cx)} ${num(my)}h16"/>`
    else if (it.kind === 'ref') sym = `<g class="eg-ref"><line x1="${num(cx)}" x2="${num(cx + 16)}" y1="${num(my)}" y2="${num(my)}"/></g>`
    else if (it.kind === 'bar') sym = `<g class="eg-bars eg-s${it.series}"><rect x="${num(cx + 3)}" y="${num(my - 5)}" width="10" height="10"/></g>`
    else sym = `<g class="eg-dots eg-s${it.series}">${marker(it.shape ?? 'circle', cx + 8, my, 3.5, undefined)}</g>`
    parts.push(`${sym}<text x="${num(cx + 22)}" y="${num(cy)}">${esc(it.label)}</text>`)
    cx += w
  }
  return { svg: parts.length ? `<g class="eg-legend">${parts.join('')}</g>` : '', rows }
}

/**
 * Chart styles: every colour is a CSS custom property with a light-theme fallback, so the page
 * switches all charts to dark by redefining `--eg-*` under `prefers-color-scheme: dark`.
 */
export const CHART_CSS = `
.eg-chart{display:block;width:100%;height:auto;color:var(--eg-fg,#1f2328);font-family:inherit;font-size:11px;overflow:visible}
.eg-chart text{fill:currentColor}
.eg-axis line{stroke:var(--eg-axis,#8c959f);stroke-width:1}
.eg-axis .eg-base{stroke:var(--eg-fg,#1f2328);stroke-opacity:.55}
.eg-axis text{fill:var(--eg-muted,#59636e);font-variant-numeric:tabular-nums}
.eg-axis .eg-title{fill:var(--eg-fg,#1f2328);font-size:12px;font-weight:500}
.eg-grid line{stroke:var(--eg-grid,#d8dee4);stroke-width:1}
.eg-s1{--c:var(--eg-c1,#0072b2)}.eg-s2{--c:var(--eg-c2,#d55e00)}.eg-s3{--c:var(--eg-c3,#009e73)}
.eg-s4{--c:var(--eg-c4,#cc79a7)}.eg-s5{--c:var(--eg-c5,#e69f00)}.eg-s6{--c:var(--eg-c6,#56b4e9)}
.eg-line{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.eg-line.eg-fit{stroke-width:1.75}
.eg-dots{fill:var(--c);stroke:var(--eg-bg,#fff);stroke-width:.6}
.eg-dots.eg-faint{fill-opacity:.5;stroke:none}
.eg-err{stroke:var(--c);stroke-width:1.3;fill:none}
.eg-bars{fill:var(--c);fill-opacity:.8}
.eg-ref line{stroke:var(--eg-muted,#59636e);stroke-width:1;stroke-dasharray:4 3}
.eg-note{fill:var(--eg-fg,#1f2328);font-size:10.5px;paint-order:stroke;stroke:var(--eg-bg,#fff);stroke-width:3px;stroke-linejoin:round}
.eg-ref text.eg-note{fill:var(--eg-muted,#59636e)}
.eg-legend text{fill:var(--eg-fg,#1f2328)}
.eg-empty{fill:var(--eg-muted,#59636e);font-size:13px}
.eg-panel-title{fill:var(--eg-fg,#1f2328);font-size:11.5px;font-weight:600}
.eg-cell{fill:var(--c);stroke:var(--eg-bg,#fff);stroke-width:1}
.eg-cell-empty{fill:none;stroke:var(--eg-grid,#d8dee4);stroke-dasharray:3 2}
.eg-cell-text{fill:var(--eg-fg,#1f2328);font-size:11px;font-variant-numeric:tabular-nums}
.eg-cell-text.eg-on-dark{fill:#fff}
.eg-cell-label{fill:var(--eg-fg,#1f2328);font-size:11px}
`

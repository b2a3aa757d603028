/**
 * A generic histogram figure (local ID, k-occurrence, row norms): bars from `Histogram` edges and
 * counts, optional dashed reference lines (median, global estimate, thresholds).
 */
import type { Histogram } from '../../analysis.js'
import { axes, bars, centredNote, extent, fmt, linearScale, refLineX, svgDocument, type Bin, type Series } from '../svg.js'
import { HEIGHT, WIDTH, layout, plural, type Figure } from './figure.js'

/** A labelled vertical reference line. */
export interface Marker {
  value: number
  label: string
}

/** What {@link histogramFigure} draws. */
export interface HistogramSpec {
  id: string
  title: string
  histogram: Histogram
  xLabel: string
  /** Y axis title (default 'count'). */
  yLabel?: string
  series: Series
  /** Reference lines, labelled at the top of the plot area, one row each. */
  markers?: Marker[]
  /**
   * Integer-valued data (counts): bin [a, b) holds the integers a … b − 1, so bars are drawn from
   * a − ½ to b − ½ and centred on their integers.
   */
  integer?: boolean
  /** How to read the chart. */
  caption: string
  /** Unit of the counts in tooltips (default 'rows'). */
  unit?: string
}

/** Tooltip of one bin. */
function binTitle(a: number, b: number, count: number, integer: boolean, last: boolean, unit: string): string {
  let range: string
  if (integer) range = b - a <= 1 ? fmt(a) : `${fmt(a)}–${fmt(b - 1)}`
  else range = `[${fmt(a)}, ${fmt(b)}${last ? ']' : ')'}`
  return `${range}: ${count.toLocaleString('en-US')} ${unit}`
}

/** A histogram figure. */
export function histogramFigure(spec: HistogramSpec): Figure {
  const notes: string[] = []
  const { edges, counts } = spec.histogram
  const integer = spec.integer ?? false
  const unit = spec.unit ?? 'rows'
  let n = Math.min(counts.length, Math.max(0, edges.length - 1))
  if (edges.length !== counts.length + 1 && edges.length + counts.length > 0) {
    notes.push(`The histogram has ${plural(edges.length, 'edge')} for ${plural(counts.length, 'bin')}; only ${plural(n, 'bin')} with both edges are drawn.`)
  }
  const shift = integer ? 0.5 : 0
  const bins: Bin[] = []
  let skipped = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    const a = edges[i]!
    const b = edges[i + 1]!
    const c = counts[i]!
    if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || c < 0 || b < a) {
      skipped++
      continue
    }
    bins.push({ x0: a - shift, x1: b - shift, count: c, title: binTitle(a, b, c, integer, i === n - 1, unit) })
    total += c
  }
  n = bins.length
  if (skipped > 0) notes.push(`${plural(skipped, 'bin')} with a non-finite edge or count left out.`)

  const ex = extent(bins.flatMap((b) => [b.x0, b.x1]))
  const ec = extent(bins.map((b) => b.count))
  const markers = (spec.markers ?? []).filter((m) => Number.isFinite(m.value))
  // x: exactly the bins (and markers), no rounding outward: a histogram's ends are its data's ends.
  const { x, y, f } = layout(
    (r) => linearScale(ex && extent([...ex, ...markers.map((m) => m.value)]), r, { nice: false }),
    (r) => linearScale([0, Math.max(1, ec?.[1] ?? 1)], r),
    { top: 14 + 13 * markers.length },
  )
  const body: string[] = [axes(x, y, f, { xLabel: spec.xLabel, yLabel: spec.yLabel ?? 'count' })]
  body.push(bars(bins, x, y, spec.series))
  if (total === 0) body.push(centredNote(f, 'no data'))
  markers.forEach((m, row) => body.push(refLineX(m.value, x, f, m.label, row)))
  return {
    id: spec.id,
    title: spec.title,
    svg: svgDocument({ width: WIDTH, height: HEIGHT, label: `${spec.title}: histogram of ${total.toLocaleString('en-US')} ${unit} in ${plural(n, 'bin')}`, body: body.join('') }),
    caption: spec.caption,
    notes,
  }
}

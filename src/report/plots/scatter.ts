/**
 * The first two principal components of a subsample, one dot per row, on equal-unit axes (so
 * distances on screen are distances in the PC1–PC2 plane). Rows are named in `<title>` tooltips;
 * labels with few distinct values (≤ 6, e.g. class ids) also colour the dots.
 */
import type { Analysis } from '../../analysis.js'
import {
  axes, centredNote, dots, extent, leftMarginFor, legend, linearScale, pct, strideIndices, svgDocument,
  type LegendItem, type Point, type Series,
} from '../svg.js'
import { BOTTOM, RIGHT, TOP, WIDTH, plural, type Figure } from './figure.js'

/** At most this many dots are drawn (analyze subsamples to 2000; this guards hand-made input). */
export const MAX_SCATTER_POINTS = 5000
/** Tooltip labels are cut to this many characters. */
export const MAX_LABEL_CHARS = 100
const HEIGHT = 430
const MAX_CATEGORIES = 6

function clip(label: string): string {
  const chars = Array.from(label.replace(/\s+/g, ' ').trim())
  return chars.length > MAX_LABEL_CHARS ? chars.slice(0, MAX_LABEL_CHARS - 1).join('') + '…' : chars.join('')
}

/** The PCA scatter figure (`plot-scatter`). */
export function scatterFigure(s: Analysis['scatter']): Figure {
  const notes: string[] = []
  const n = Math.min(s.x.length, s.y.length)
  const labels = s.labels && s.labels.length === n ? s.labels : undefined
  if (s.labels && !labels) notes.push(`The ${plural(s.labels.length, 'label')} do not match the ${plural(n, 'point')} and are not shown.`)
  const finite: number[] = []
  for (let i = 0; i < n; i++) if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) finite.push(i)
  if (finite.length < Math.max(s.x.length, s.y.length)) {
    notes.push(`${plural(Math.max(s.x.length, s.y.length) - finite.length, 'point')} with a non-finite or missing coordinate left out.`)
  }
  let shown = finite
  if (finite.length > MAX_SCATTER_POINTS) {
    shown = strideIndices(finite.length, MAX_SCATTER_POINTS).map((k) => finite[k]!)
    notes.push(`${plural(shown.length, 'point')} of ${finite.length.toLocaleString('en-US')} drawn (one in every ${Math.ceil(finite.length / MAX_SCATTER_POINTS)}).`)
  }

  // Groups of dots: one per label when there are few distinct labels, else one group.
  const title = (i: number) => `row ${s.rows[i] ?? i}${labels ? ' · ' + clip(labels[i]!) : ''}`
  const categories = labels ? [...new Set(shown.map((i) => labels[i]!))].sort() : []
  const groups: { idx: number[]; series: Series; label: string }[] =
    labels && categories.length >= 2 && categories.length <= MAX_CATEGORIES
      ? categories.map((cat, k) => {
        const idx = shown.filter((i) => labels[i] === cat)
        return { idx, series: (k + 1) as Series, label: `${Array.from(clip(cat)).slice(0, 24).join('')} (${idx.length})` }
      })
      : [{ idx: shown, series: 1, label: plural(shown.length, 'row') }]
  const items: LegendItem[] = groups.map((g) => ({ label: g.label, series: g.series, kind: 'dot' }))
  // Room for the legend above the plot (rows counted with the widest likely left margin).
  const top = TOP + 15 * (legend(items, 72, 0, WIDTH - RIGHT).rows - 1)

  // Equal units on both axes: one data unit per pixel ratio, domains centred on the data.
  const ex = extent(shown.map((i) => s.x[i]!)) ?? [-1, 1]
  const ey = extent(shown.map((i) => s.y[i]!)) ?? [-1, 1]
  const plotH = HEIGHT - top - BOTTOM
  let left = 56
  let x = linearScale([0, 1], [0, 1])
  let y = x
  for (let pass = 0; pass < 2; pass++) {
    const plotW = WIDTH - left - RIGHT
    const span = Math.max((ex[1] - ex[0]) / plotW, (ey[1] - ey[0]) / plotH) * 1.08 || 1 / Math.min(plotW, plotH)
    const cx = (ex[0] + ex[1]) / 2
    const cy = (ey[0] + ey[1]) / 2
    y = linearScale([cy - (span * plotH) / 2, cy + (span * plotH) / 2], [top + plotH, top], { nice: false })
    x = linearScale([cx - (span * plotW) / 2, cx + (span * plotW) / 2], [left, WIDTH - RIGHT], { nice: false })
    left = leftMarginFor(y.ticks())
  }
  const f = { left: x.range[0], top, width: x.range[1] - x.range[0], height: plotH }
  const [e1, e2] = s.explained
  const body: string[] = [
    axes(x, y, f, { xLabel: `PC1 (${pct(e1)} of variance)`, yLabel: `PC2 (${pct(e2)})`, xGrid: true }),
  ]
  for (const g of groups) {
    const pts: Point[] = g.idx.map((i) => ({ x: s.x[i]!, y: s.y[i]! }))
    body.push(dots(pts, x, y, { series: g.series, r: 2.2, className: 'eg-faint', titles: g.idx.map(title) }))
  }
  if (shown.length === 0) body.push(centredNote(f, 'no points'))
  body.push(legend(items, f.left, 20, f.left + f.width).svg)

  return {
    id: 'plot-scatter',
    title: 'PCA scatter (PC1 vs PC2)',
    svg: svgDocument({ width: WIDTH, height: HEIGHT, label: `Scatter of ${shown.length} rows on the first two principal components`, body: body.join('') }),
    caption:
      'Each dot is one row of a seeded subsample projected on the first two principal components, with equal units on both axes; hover a dot for its row index' +
      (labels ? ' and label' : '') + '. Clusters, outliers and a curved or elongated cloud show up here; two components rarely tell the whole story.',
    notes,
  }
}

/**
 * The TwoNN fit: log(μ) against −log(1 − F(μ)) for the points the fit kept, and the fitted line
 * through the origin whose slope is the intrinsic dimension (Facco et al. 2017).
 */
import type { Analysis } from '../../analysis.js'
import { axes, centredNote, dots, extent, fmt, legend, line, linearScale, pointsFor, strideIndices, svgDocument, type LegendItem } from '../svg.js'
import { HEIGHT, WIDTH, layout, plural, type Figure } from './figure.js'

/** At most this many fit points are drawn (analyze already subsamples to 2000). */
export const MAX_FIT_POINTS = 4000

/** The TwoNN figure (`plot-twonn`). */
export function twoNNFigure(fit: Analysis['twoNNFit'], stderr?: number): Figure {
  const notes: string[] = []
  let xs = fit.x
  let ys = fit.y
  if (Math.max(xs.length, ys.length) > MAX_FIT_POINTS) {
    const keep = strideIndices(Math.min(xs.length, ys.length), MAX_FIT_POINTS)
    notes.push(`${plural(keep.length, 'point')} of ${fit.x.length.toLocaleString('en-US')} drawn (one in every ${Math.ceil(Math.min(fit.x.length, fit.y.length) / MAX_FIT_POINTS)}).`)
    xs = keep.map((i) => fit.x[i]!)
    ys = keep.map((i) => fit.y[i]!)
  }
  const slope = fit.slope
  const ex = extent(xs)
  const ey = extent(ys)
  const xMax = Math.max(ex?.[1] ?? 0, 0)
  const yMax = Math.max(ey?.[1] ?? 0, 0)
  const { x, y, f } = layout(
    (r) => linearScale([Math.min(0, ex?.[0] ?? 0), xMax > 0 ? xMax : 1], r),
    (r) => linearScale([Math.min(0, ey?.[0] ?? 0), yMax > 0 ? yMax : 1], r),
  )
  const pts = pointsFor(xs, ys, x, y)
  if (pts.skipped > 0) notes.push(`${plural(pts.skipped, 'point')} with a non-finite coordinate left out.`)

  const body: string[] = [axes(x, y, f, { xLabel: 'log μ  (ratio of 2nd to 1st neighbour distance)', yLabel: '−log(1 − F(μ))' })]
  if (pts.points.length === 0) body.push(centredNote(f, 'no fit points'))
  body.push(dots(pts.points, x, y, { series: 1, r: 1.9, className: 'eg-faint' }))
  const items: LegendItem[] = [{ label: `data (${plural(pts.points.length, 'point')})`, series: 1, kind: 'dot' }]
  if (Number.isFinite(slope) && slope > 0) {
    // Line y = slope·x from the origin to the edge of the plot area.
    const x1 = Math.min(x.domain[1], y.domain[1] / slope)
    body.push(line([{ x: 0, y: 0 }, { x: x1, y: slope * x1 }], x, y, 2, 'eg-fit'))
    const err = stderr !== undefined && Number.isFinite(stderr) && stderr > 0 ? ` ± ${fmt(stderr, 2)}` : ''
    items.push({ label: `fit through origin: slope = ID = ${fmt(slope)}${err}`, series: 2, kind: 'line' })
  } else {
    notes.push('The fitted slope is not a positive finite number, so no line is drawn.')
  }
  body.push(legend(items, f.left, 20, f.left + f.width).svg)

  return {
    id: 'plot-twonn',
    title: 'TwoNN fit',
    svg: svgDocument({ width: WIDTH, height: HEIGHT, label: `TwoNN fit: ${pts.points.length} points and a line through the origin of slope ${fmt(slope)}`, body: body.join('') }),
    caption:
      'Each point is one sample: the log ratio μ of its second- to first-neighbour distance against −log(1 − F(μ)), F the empirical distribution. ' +
      'If the data are locally uniform at dimension d the points lie on a line through the origin of slope d; curvature or a fan at the right end signals noise, mixed dimensions or duplicates.',
    notes,
  }
}

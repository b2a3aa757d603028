/**
 * Intrinsic dimension against scale: the TwoNN decimation curve and the GRIDE curve, each point
 * with its error bar, on a log scale axis.
 */
import type { Analysis, ScalingCurve } from '../../analysis.js'
import {
  axes, centredNote, dots, errorBars, extent, fmt, legend, line, linearScale, logScale, svgDocument,
  type ErrorPoint, type LegendItem, type Scale, type Series, type Shape,
} from '../svg.js'
import { HEIGHT, WIDTH, layout, plural, type Figure } from './figure.js'

interface Curve {
  name: string
  curve: ScalingCurve
  series: Series
  shape: Shape
}

function curvePoints(c: ScalingCurve, x: Scale, y: Scale): { points: ErrorPoint[]; titles: string[]; skipped: number } {
  const n = Math.min(c.scales.length, c.dimensions.length)
  const points: ErrorPoint[] = []
  const titles: string[] = []
  for (let i = 0; i < n; i++) {
    const sx = c.scales[i]!
    const d = c.dimensions[i]!
    if (!x.accepts(sx) || !y.accepts(d)) continue
    const err = c.stderr[i] ?? Number.NaN
    points.push({ x: sx, y: d, err })
    titles.push(`${c.method === 'twonn' ? 'TwoNN' : 'GRIDE'}, ${c.method === 'twonn' ? 'n' : 'n₂'} = ${fmt(c.sizes[i] ?? Number.NaN)}: ID ${fmt(d)}${Number.isFinite(err) ? ` ± ${fmt(err, 2)}` : ''} at scale ${fmt(sx)}`)
  }
  return { points, titles, skipped: Math.max(c.scales.length, c.dimensions.length) - points.length }
}

/** The ID-versus-scale figure (`plot-scaling`). */
export function scalingFigure(scaling: Analysis['scaling']): Figure {
  const curves: Curve[] = [
    { name: 'TwoNN, decimation', curve: scaling.twonn, series: 1, shape: 'circle' },
    { name: 'GRIDE, neighbour order doubling', curve: scaling.gride, series: 2, shape: 'square' },
  ]
  const notes: string[] = []
  const allX = curves.flatMap((c) => c.curve.scales)
  const allY = curves.flatMap((c) =>
    c.curve.dimensions.flatMap((d, i) => {
      const e = c.curve.stderr[i]
      return Number.isFinite(e) && e! > 0 ? [d, d - e!, d + e!] : [d]
    }),
  )
  const { x, y, f } = layout(
    (r) => logScale(extent(allX, (v) => Number.isFinite(v) && v > 0), r),
    (r) => linearScale(extent(allY), r),
  )
  const body: string[] = [axes(x, y, f, { xLabel: 'scale: mean neighbour distance (log scale)', yLabel: 'intrinsic dimension', xGrid: true })]
  const items: LegendItem[] = []
  let drawn = 0
  for (const c of curves) {
    const p = curvePoints(c.curve, x, y)
    drawn += p.points.length
    if (p.skipped > 0) notes.push(`${c.name}: ${plural(p.skipped, 'scale')} with a non-finite or non-positive value left out.`)
    body.push(errorBars(p.points, x, y, c.series))
    body.push(line(p.points, x, y, c.series))
    body.push(dots(p.points, x, y, { series: c.series, r: 3.4, shape: c.shape, titles: p.titles }))
    items.push({ label: `${c.name} (${p.points.length})`, series: c.series, kind: 'dot', shape: c.shape })
  }
  if (drawn === 0) body.push(centredNote(f, 'no scales to show'))
  body.push(legend(items, f.left, 20, f.left + f.width).svg)
  return {
    id: 'plot-scaling',
    title: 'Intrinsic dimension versus scale',
    svg: svgDocument({ width: WIDTH, height: HEIGHT, label: `Intrinsic dimension against scale for TwoNN and GRIDE, ${drawn} points with error bars`, body: body.join('') }),
    caption:
      'Estimated dimension at growing neighbourhood size: TwoNN on ever smaller random subsets, GRIDE with ever larger neighbour orders; bars are ± one standard error. ' +
      'A plateau is the dimension at that scale; a rise at the smallest scales usually means noise, a fall at large scales curvature or clustering.',
    notes,
  }
}

/**
 * Covariance spectrum: eigenvalues against component rank on log–log axes (top panel) and the
 * cumulative explained variance with the 90 / 95 / 99 % component counts marked (bottom panel),
 * sharing the x axis.
 */
import type { Analysis } from '../../analysis.js'
import { axes, centredNote, dots, esc, extent, fmt, leftMarginFor, line, linearScale, logScale, num, pct, pointsFor, svgDocument, type Tick } from '../svg.js'
import { BOTTOM, RIGHT, WIDTH, plural, type Figure } from './figure.js'

const HEIGHT = 450
const TOP = 12
const GAP = 18
const TOP_H = 215

/** The spectrum figure (`plot-spectrum`). */
export function spectrumFigure(s: Analysis['spectrum']): Figure {
  const notes: string[] = []
  const n = s.eigenvalues.length
  const ranks = Array.from({ length: n }, (_, i) => i + 1)
  const lower = { top: TOP + TOP_H + GAP, height: HEIGHT - BOTTOM - (TOP + TOP_H + GAP) }

  const yEig = logScale(extent(s.eigenvalues, (v) => Number.isFinite(v) && v > 0), [TOP + TOP_H, TOP])
  const pctTicks: Tick[] = [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, label: `${value * 100} %` }))
  const yCum = linearScale([0, 1], [lower.top + lower.height, lower.top], { nice: false })
  const left = Math.max(leftMarginFor(yEig.ticks()), leftMarginFor(pctTicks))
  const x = logScale([0.85, Math.max(1, n) * 1.15], [left, WIDTH - RIGHT], { nice: false })
  const fTop = { left, top: TOP, width: WIDTH - left - RIGHT, height: TOP_H }
  const fBot = { left, top: lower.top, width: fTop.width, height: lower.height }

  const eig = pointsFor(ranks, s.eigenvalues, x, yEig)
  const cum = pointsFor(ranks, s.cumulative, x, yCum)
  if (eig.skipped > 0) notes.push(`${plural(eig.skipped, 'eigenvalue')} that are zero, negative or not finite cannot be shown on the log axis and were left out.`)
  if (cum.skipped > 0) notes.push(`${plural(cum.skipped, 'cumulative value')} that are not finite were left out.`)

  const body: string[] = []
  body.push(axes(x, yEig, fTop, { yLabel: 'eigenvalue', xTickLabels: false }))
  if (eig.points.length === 0) body.push(centredNote(fTop, 'no positive eigenvalues'))
  body.push(line(eig.points, x, yEig, 1))
  if (eig.points.length < 40) body.push(dots(eig.points, x, yEig, { series: 1, r: 2.5 }))
  body.push(axes(x, yCum, fBot, { yLabel: 'cumulative', xLabel: 'component rank (log scale)', yTicks: pctTicks }))
  if (cum.points.length === 0) body.push(centredNote(fBot, 'no cumulative variance'))
  body.push(line(cum.points, x, yCum, 2))
  if (cum.points.length === 1) body.push(dots(cum.points, x, yCum, { series: 2, r: 3 }))

  // 90 / 95 / 99 % markers: a drop line from the curve to the axis with a label along it; thresholds
  // reached at the same component share one line.
  const marks: string[] = []
  const byK = new Map<number, number[]>()
  for (const [t, k] of [[0.9, s.components90], [0.95, s.components95], [0.99, s.components99]] as const) {
    if (Number.isInteger(k) && k >= 1 && k <= x.domain[1]) byK.set(k, [...(byK.get(k) ?? []), t])
  }
  for (const [k, ts] of byK) {
    const at = s.cumulative[k - 1]
    const yv = at !== undefined && Number.isFinite(at) ? Math.min(1, Math.max(0, at)) : ts[0]!
    const px = x.map(k)
    const py = yCum.map(yv)
    const by = fBot.top + fBot.height
    const label = `${ts.map((t) => pct(t, 2)).join(', ')}: ${k}`
    marks.push(`<g class="eg-ref"><line x1="${num(px)}" x2="${num(px)}" y1="${num(py)}" y2="${num(by)}"/></g>`)
    marks.push(dots([{ x: k, y: yv }], x, yCum, { series: 2, r: 3.2, titles: [`${ts.map((t) => pct(t, 2)).join(', ')} of the variance in ${plural(k, 'component')}`] }))
    marks.push(`<text class="eg-note" transform="translate(${num(px - 4)} ${num(by - 5)}) rotate(-90)">${esc(label)}</text>`)
  }
  body.push(marks.join(''))

  const totalShown = s.cumulative.length ? s.cumulative[s.cumulative.length - 1]! : Number.NaN
  if (n > 0 && Number.isFinite(totalShown) && totalShown < 0.999) {
    notes.push(`The ${plural(n, 'listed eigenvalue')} cover ${pct(totalShown)} of the total variance.`)
  }
  const first = s.explainedVarianceRatio[0]
  const caption =
    'Top: covariance eigenvalues by rank on log–log axes; a straight line means power-law decay, a sharp knee a few dominant directions. ' +
    'Bottom: share of the total variance in the first k components; the markers give k for 90 %, 95 % and 99 %.' +
    (first !== undefined && Number.isFinite(first) ? ` The first component alone explains ${pct(first)}.` : '')

  return {
    id: 'plot-spectrum',
    title: 'Eigenvalue spectrum and cumulative explained variance',
    svg: svgDocument({
      width: WIDTH,
      height: HEIGHT,
      label: `Eigenvalue spectrum of ${n} components, log–log, and cumulative explained variance; 90 % at ${fmt(s.components90)}, 95 % at ${fmt(s.components95)}, 99 % at ${fmt(s.components99)} components`,
      body: body.join(''),
    }),
    caption,
    notes,
  }
}

/**
 * A square matrix of one measure between several representations (the layer-by-layer grids of the
 * CKA papers): one cell per pair, shaded by value on a fixed scale, the value printed in the cell.
 */
import { esc, fmt, num, svgDocument, textWidth, type Series } from '../svg.js'
import { WIDTH, type Figure } from './figure.js'

/** Input of {@link heatmapFigure}. */
export interface HeatmapSpec {
  /** Stable element id, e.g. 'plot-cka'. */
  id: string
  title: string
  /** One label per representation (row and column order). */
  labels: readonly string[]
  /** `labels.length²` values, row-major; non-finite cells are drawn empty and named in a note. */
  values: readonly number[]
  /** Values mapped to the lightest and the darkest shade (e.g. [0, 1]); outside values are clamped. */
  range: readonly [number, number]
  /** `true`: a higher value means more alike (shade grows with the value); `false`: a distance. */
  similarity: boolean
  caption: string
  /** Colour series of the shade. */
  series?: Series
  /** Significant digits of the printed values (default 3). */
  digits?: number
}

const CELL_MAX = 88
const LABEL_SIZE = 11

/** The heatmap figure. */
export function heatmapFigure(s: HeatmapSpec): Figure {
  const n = s.labels.length
  const notes: string[] = []
  const labelWidth = Math.min(180, Math.max(...s.labels.map((l) => textWidth(l, LABEL_SIZE)), 20) + 10)
  const cell = Math.max(18, Math.min(CELL_MAX, (WIDTH - labelWidth - 12) / Math.max(n, 1)))
  const top = labelWidth
  const left = labelWidth
  const width = left + n * cell + 12
  const height = top + n * cell + 12
  const [lo, hi] = s.range
  const span = hi - lo || 1
  const digits = s.digits ?? 3
  const body: string[] = []
  let missing = 0
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = s.values[i * n + j]
      const x = left + j * cell
      const y = top + i * cell
      const title = `${s.labels[i]} vs ${s.labels[j]}: ${v === undefined ? '—' : fmt(v, 6)}`
      if (v === undefined || !Number.isFinite(v)) {
        missing++
        body.push(`<rect class="eg-cell-empty" x="${num(x)}" y="${num(y)}" width="${num(cell)}" height="${num(cell)}"><title>${esc(title)}</title></rect>`)
        continue
      }
      const t = Math.min(1, Math.max(0, (v - lo) / span))
      const shade = s.similarity ? t : 1 - t
      const opacity = 0.08 + 0.87 * shade
      body.push(
        `<g class="eg-s${s.series ?? 1}"><rect class="eg-cell" x="${num(x)}" y="${num(y)}" width="${num(cell)}" height="${num(cell)}" fill-opacity="${num(opacity)}"><title>${esc(title)}</title></rect>` +
          (cell >= 34 ? `<text class="eg-cell-text${shade > 0.55 ? ' eg-on-dark' : ''}" x="${num(x + cell / 2)}" y="${num(y + cell / 2 + 4)}" text-anchor="middle">${esc(fmt(v, digits))}</text>` : '') +
          '</g>',
      )
    }
  }
  for (let i = 0; i < n; i++) {
    const c = left + i * cell + cell / 2
    body.push(`<text class="eg-cell-label" x="${num(left - 6)}" y="${num(c + 4)}" text-anchor="end">${esc(s.labels[i])}</text>`)
    body.push(`<text class="eg-cell-label" transform="translate(${num(c + 4)} ${num(top - 6)}) rotate(-90)">${esc(s.labels[i])}</text>`)
  }
  if (missing > 0) notes.push(`${missing} cell${missing === 1 ? '' : 's'} could not be computed and ${missing === 1 ? 'is' : 'are'} left empty.`)
  return {
    id: s.id,
    title: s.title,
    svg: svgDocument({ width, height, label: `${s.title}: ${n} × ${n} matrix`, body: body.join('') }),
    caption: `${s.caption} Shade scale: ${fmt(lo)} (light) to ${fmt(hi)} (dark)${s.similarity ? '' : ', reversed: darker means closer'}.`,
    notes,
  }
}

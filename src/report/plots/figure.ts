/**
 * What every plot module returns, and the shared chart geometry (size, margins, the layout step that
 * fits the left margin to the y tick labels).
 */
import { type Frame, type Scale, leftMarginFor } from '../svg.js'

/** One figure of the report. */
export interface Figure {
  /** Stable element id, e.g. 'plot-spectrum'. */
  id: string
  /** Heading shown above the chart. */
  title: string
  /** The chart (one `<svg role="img">`). */
  svg: string
  /** How to read the chart, one or two sentences (plain text). */
  caption: string
  /** Data-specific remarks (plain text): values skipped, subsampling, degenerate input. */
  notes: string[]
}

/** Width and default height of a chart, in SVG units (scaled to the column width by CSS). */
export const WIDTH = 560
export const HEIGHT = 340
/** Right margin; top margin with room for a one-row legend; bottom margin with tick labels and axis title. */
export const RIGHT = 18
export const TOP = 34
export const BOTTOM = 48

/** A plot area and its two scales. */
export interface Layout {
  x: Scale
  y: Scale
  f: Frame
}

/**
 * Scales and plot area for a chart: builds the y scale first (its pixel range depends only on the
 * vertical margins), sizes the left margin to its tick labels, then builds the x scale.
 */
export function layout(
  makeX: (range: [number, number]) => Scale,
  makeY: (range: [number, number]) => Scale,
  o: { width?: number; height?: number; top?: number; bottom?: number; minLeft?: number } = {},
): Layout {
  const width = o.width ?? WIDTH
  const height = o.height ?? HEIGHT
  const top = o.top ?? TOP
  const bottom = o.bottom ?? BOTTOM
  const y = makeY([height - bottom, top])
  const left = Math.max(o.minLeft ?? 0, leftMarginFor(y.ticks()))
  const x = makeX([left, width - RIGHT])
  return { x, y, f: { left, top, width: width - left - RIGHT, height: height - top - bottom } }
}

/** "3 values" / "1 value". */
export function plural(n: number, word: string, plural = word + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : plural}`
}

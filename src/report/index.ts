/**
 * `renderReport`: an `Analysis` as one self-contained HTML page (inline SVG charts, no scripts, no
 * network), as written by `embgeo analyze --html report.html`.
 */
import type { Analysis } from '../analysis.js'
import { pageHtml } from './html.js'
import type { Figure } from './plots/figure.js'
import { histogramFigure } from './plots/histogram.js'
import { scalingFigure } from './plots/scaling.js'
import { scatterFigure } from './plots/scatter.js'
import { spectrumFigure } from './plots/spectrum.js'
import { twoNNFigure } from './plots/twonn.js'
import { embgeoError, EmbgeoError } from '../errors.js'
import { is, validateOptions } from '../validate.js'
import { fmt } from './svg.js'

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Page title and heading (default 'embgeo report: <source name>'). */
  title?: string
}

/** The figures of the query section (`analyze(X, { queries })`): query LID and relative contrast. */
function queryFigures(q: NonNullable<Analysis['queries']>): Figure[] {
  const specs = [
    {
      values: q.lid,
      id: 'plot-query-lid',
      title: `Query LID (${q.name}, k = ${q.k})`,
      xLabel: 'local intrinsic dimension of the query’s k nearest distances',
      series: 6 as const,
      caption:
        'Levina–Bickel MLE of each query’s k nearest corpus distances. High values mean the neighbour distances are nearly equal: ' +
        'such queries are the hard ones for approximate search and their nearest neighbours are barely nearer than the rest.',
    },
    {
      values: q.relativeContrast,
      id: 'plot-query-contrast',
      title: `Relative contrast (${q.name}, k = ${q.k})`,
      xLabel: 'mean distance to the corpus / distance to the k-th neighbour',
      series: 2 as const,
      caption:
        'He et al. (2012): how much nearer the k-th neighbour is than an average corpus point. Contrast near 1 means neighbours ' +
        'hardly stand out from the crowd (hard queries); large contrast means easy ones.',
    },
  ]
  return specs
    .filter((f) => f.values.histogram.counts.length > 0)
    .map(({ values, ...f }) =>
      histogramFigure({ ...f, histogram: values.histogram, yLabel: 'queries', unit: 'queries', markers: [{ value: values.median, label: `median ${fmt(values.median)}` }] }),
    )
}

/** Every figure of the report, in page order. */
export function reportFigures(a: Analysis): Figure[] {
  const twoNN = a.id.twoNN
  return [
    spectrumFigure(a.spectrum),
    scatterFigure(a.scatter),
    twoNNFigure(a.twoNNFit, twoNN.stderr),
    scalingFigure(a.scaling),
    histogramFigure({
      id: 'plot-local-id',
      title: `Local intrinsic dimension (${a.localId.method}, k = ${a.localId.k})`,
      histogram: a.localId.histogram,
      xLabel: 'local intrinsic dimension',
      yLabel: 'rows',
      series: 3,
      markers: [
        { value: a.localId.median, label: `median ${fmt(a.localId.median)}` },
        { value: twoNN.dimension, label: `global TwoNN ${fmt(twoNN.dimension)}` },
      ],
      caption:
        'Distribution of the pointwise dimension estimate. A single narrow peak means one dimension throughout; ' +
        'a wide or multi-modal histogram means regions of different dimension, and a long right tail often marks sparse outliers.',
    }),
    histogramFigure({
      id: 'plot-hubness',
      title: `k-occurrence (k = ${a.hubness.k})`,
      histogram: a.hubness.histogram,
      xLabel: 'k-occurrence: how often a row is among the others’ k nearest neighbours',
      yLabel: 'rows',
      series: 5,
      integer: true,
      markers: [
        { value: a.hubness.k, label: `mean = k = ${fmt(a.hubness.k)}` },
        { value: 2 * a.hubness.k, label: `hub threshold 2k` },
      ],
      caption:
        `Every row is counted as often as it appears in the other rows’ k-nearest-neighbour lists; the mean is always k. ` +
        `A long right tail (skewness ${fmt(a.hubness.skewness)} here) means hubs that crowd many neighbour lists, and a tall bar at 0 means rows nobody retrieves.`,
      unit: 'rows',
    }),
    histogramFigure({
      id: 'plot-norms',
      title: 'Row norms',
      histogram: a.norms.histogram,
      xLabel: 'L2 norm of the row',
      yLabel: 'rows',
      series: 4,
      markers: [{ value: a.norms.mean, label: `mean ${fmt(a.norms.mean)}` }],
      caption:
        'Distribution of the rows’ Euclidean lengths. Normalised embeddings give a spike at 1; a wide spread means the norm carries information ' +
        'that cosine similarity discards, and isolated bars near 0 are empty or degenerate rows.',
    }),
    ...(a.queries === undefined ? [] : queryFigures(a.queries)),
  ]
}

/**
 * The analysis as one self-contained HTML document: header, summary tables, and seven figures
 * (`plot-spectrum`, `plot-scatter`, `plot-twonn`, `plot-scaling`, `plot-local-id`, `plot-hubness`,
 * `plot-norms`), plus `plot-query-lid` and `plot-query-contrast` and a query card when the analysis
 * has `queries`; readable in light and dark mode, with no scripts and no external URLs.
 *
 * Several analyses (e.g. the demo's real and synthetic sets) become one section each; figure ids
 * of the second set onwards get a `-2`, `-3`, … suffix.
 *
 * @param analysis what `analyze` returned (or its JSON, parsed), or an array of them.
 * @param options `title` of the page.
 * @returns the HTML text (UTF-8 when written to a file); about 0.3 MB with a 2000-point scatter.
 */
export function renderReport(analysis: Analysis | readonly Analysis[], options: ReportOptions = {}): string {
  const sets: readonly Analysis[] = Array.isArray(analysis) ? analysis : [analysis as Analysis]
  if (sets.length === 0) throw embgeoError('ERR_EMPTY', 'renderReport needs at least one analysis')
  for (const [i, a] of sets.entries()) {
    if (a === null || typeof a !== 'object' || a.schema !== 'embgeo.analysis/1') {
      throw embgeoError('ERR_INVALID_ARG_TYPE', `analysis${Array.isArray(analysis) ? `[${i}]` : ''} must be what analyze() returns (schema 'embgeo.analysis/1')`)
    }
  }
  const o = validateOptions<ReportOptions>('renderReport', options, { title: is.string })
  // A document with the right schema but missing or mistyped fields (hand-made, or edited JSON)
  // makes the renderer fail somewhere inside; whatever fails is reported as the coded input
  // error it is, never as a bare TypeError/RangeError.
  const where = (i: number): string => `analysis${Array.isArray(analysis) ? `[${i}]` : ''}`
  const coded = (what: string, err: unknown): Error =>
    err instanceof EmbgeoError
      ? err
      : embgeoError('ERR_INVALID_ARG_TYPE', `${what} is not a complete 'embgeo.analysis/1' document (as analyze() returns it): ${err instanceof Error ? err.message : String(err)}`, {
          name: what,
          cause: err,
        })
  const figures = sets.map((a, i) => {
    try {
      return { analysis: a, figures: reportFigures(a) }
    } catch (err) {
      throw coded(where(i), err)
    }
  })
  try {
    const title = o.title ?? (sets.length === 1 ? `embgeo report: ${String(sets[0]!.source?.name)}` : 'embgeo report')
    return pageHtml(figures, title)
  } catch (err) {
    throw coded(Array.isArray(analysis) ? 'an analysis' : 'analysis', err)
  }
}

export type { Figure } from './plots/figure.js'

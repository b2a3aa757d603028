/**
 * The sections of an {@link Analysis} that come from one measure's result, shaped in one place:
 * `analyze` builds them from its own calls, and a distributed run (e.g. `@embgeo/temporal`'s
 * `analyze` workflow) from merged partial states (`mergeHubness`, `mergeAnisotropy`, ID
 * estimators on a merged kNN graph), so equal inputs give equal sections.
 */
import type { Analysis, IdEstimate } from './analysis.js'
import type { IdResult } from './intdim.js'
import type { Anisotropy, Hubness } from './metrics.js'
import { integerHistogram } from './summary.js'

/** Bins of the k-occurrence histogram of {@link hubnessSection}. */
const OCCURRENCE_BINS = 60

/** An `id` entry of an {@link Analysis} from an estimator's result. O(1). */
export function idEstimate(r: IdResult): IdEstimate {
  return {
    method: r.method,
    dimension: r.dimension,
    ...(r.stderr === undefined ? {} : { stderr: r.stderr }),
    params: r.params,
    nUsed: r.nUsed,
    duplicatesDropped: r.dropped.duplicates,
  }
}

/** The `anisotropy` section of an {@link Analysis} from `anisotropy` or `mergeAnisotropy`. O(1). */
export function anisotropySection(a: Anisotropy): Analysis['anisotropy'] {
  return { meanNormRatio: a.meanNormRatio, averageCosine: a.averageCosine, cosineStd: a.cosineStd, zeroRows: a.zeroRows }
}

/**
 * The `hubness` section of an {@link Analysis} from `hubness` or `mergeHubness`: the measures and
 * the histogram of the k-occurrences (one bin per integer, merged beyond 60 bins). O(n).
 */
export function hubnessSection(h: Hubness): Analysis['hubness'] {
  return {
    k: h.k,
    skewness: h.skewness,
    maxOccurrence: h.maxOccurrence,
    antiHubs: h.antiHubs,
    hubs: h.hubs,
    histogram: integerHistogram(h.occurrences, OCCURRENCE_BINS),
  }
}

/**
 * The query section of `analyze(X, { queries })`: how hard the queries are for nearest-neighbour
 * search in the analysed set (query LID, relative contrast, expansion) and how much each
 * hubness-reduction method evens out the corpus points their k-NN lists retrieve. Numerics run on
 * embgeo's pool (`queryDifficulty`, `reduceHubness`); this file only chooses the parameters and
 * summarises.
 */
import type { HubnessSummary, QueryGeometry, QueryValues } from './analysis.js'
import type { DenseMatrix } from './input.js'
import type { Hubness } from './metrics.js'
import type { RunOptions } from './run.js'
import { queryDifficulty, reduceHubness, type HubnessReductionMethod } from './search.js'
import { histogram, summarize } from './summary.js'

/** Every method of `reduceHubness`, in the order the report lists them. */
const METHODS: readonly HubnessReductionMethod[] = ['mutualProximity', 'mutualProximityGaussian', 'localScaling', 'nicdm', 'csls']

/** The reference neighbourhood sizes of `reduceHubness` (its defaults), before capping. */
const NEIGHBORS: Record<HubnessReductionMethod, number> = { mutualProximity: 100, mutualProximityGaussian: 100, localScaling: 6, nicdm: 6, csls: 10 }

/** Summary and histogram of the finite values; an all-NaN set gives NaN statistics and no bins. */
function values(v: Float64Array): QueryValues {
  const finite = v.filter((x) => Number.isFinite(x))
  const nonFinite = v.length - finite.length
  if (finite.length === 0) {
    const nan = Number.NaN
    return { min: nan, max: nan, mean: nan, median: nan, std: nan, p10: nan, p90: nan, histogram: { edges: [], counts: [] }, nonFinite }
  }
  return { ...summarize(finite), histogram: histogram(finite, 40), nonFinite }
}

function hubnessSummary(h: Hubness): HubnessSummary {
  return { skewness: h.skewness, robinhood: h.robinhood, hubs: h.hubs, antiHubs: h.antiHubs, maxOccurrence: h.maxOccurrence, hubOccurrence: h.hubOccurrence }
}

/**
 * The query geometry of `Q` against the corpus `S` (both already sampled, deduplicated and, under
 * cosine, unit rows; Euclidean distance between them). `k` is the hubness k, `localK` the
 * difficulty k (capped at ⌊|S|/2⌋ so that expansion's 2k neighbours exist). Time: one difficulty
 * pass O(q·n·d) and five exact hubness reductions (each ≈ two exact kNN passes over S).
 */
export async function queryGeometry(
  S: DenseMatrix,
  Q: DenseMatrix,
  o: { k: number; localK: number; name: string; totalRows: number; subsampled: boolean },
  run: RunOptions,
  step: <T>(name: string, work: () => Promise<T>) => Promise<T>,
): Promise<QueryGeometry> {
  const kd = Math.max(2, Math.min(o.localK, Math.floor(S.rows / 2)))
  const d = await step('query difficulty', () => queryDifficulty(S, Q, { k: kd, metric: 'euclidean', ...run }))
  const k = Math.min(o.k, S.rows)
  const reduction = await step('hubness reduction', async () => {
    let before: HubnessSummary | undefined
    const methods: QueryGeometry['hubnessReduction']['methods'] = []
    for (const method of METHODS) {
      // CSLS takes each corpus point's neighbours among the queries, so it is capped by them too.
      const neighbors = Math.min(NEIGHBORS[method], S.rows, method === 'csls' ? Q.rows : S.rows)
      const t0 = performance.now()
      const r = await reduceHubness(S, { k, method, metric: 'euclidean', queries: Q, neighbors, ...run })
      before ??= hubnessSummary(r.hubness.before)
      methods.push({ method, neighbors, after: hubnessSummary(r.hubness.after), seconds: (performance.now() - t0) / 1000 })
    }
    return { k, before: before!, methods }
  })
  return {
    name: o.name,
    rows: Q.rows,
    totalRows: o.totalRows,
    subsampled: o.subsampled,
    k: kd,
    lid: values(d.lid),
    relativeContrast: values(d.relativeContrast),
    expansion: values(d.expansion),
    hubnessReduction: reduction,
  }
}

/**
 * The result of {@link analyze}: everything embgeo measures about one embedding set, as plain
 * JSON-serialisable data (numbers and arrays of numbers, no typed arrays), so it can be printed by
 * `embgeo analyze --json`, stored, or rendered by `renderReport` into a self-contained HTML page.
 *
 * Schema identifier: `schema: 'embgeo.analysis/1'`. Fields are only ever added within a version.
 */

/** A histogram: `counts[i]` values fell in `[edges[i], edges[i + 1])` (the last bin is closed). */
export interface Histogram {
  /** Bin edges, ascending; length = counts.length + 1. */
  edges: number[]
  /** Values per bin. */
  counts: number[]
}

/** Five-number-plus summary of a set of values. */
export interface Summary {
  min: number
  max: number
  mean: number
  median: number
  /** Population standard deviation (ddof 0). */
  std: number
  /** 10th and 90th percentiles (linear interpolation, numpy's default). */
  p10: number
  p90: number
}

/** One global intrinsic-dimension estimate as the report shows it. */
export interface IdEstimate {
  /** Estimator name as `estimateId` spells it: 'twoNN', 'mle', 'gride'. */
  method: string
  /** Estimated dimension. */
  dimension: number
  /** Standard error where the estimator defines one (TwoNN: DADApy's error bar; GRIDE: 1/sqrt(Fisher)). */
  stderr?: number
  /** Effective parameters (k, discard fraction, aggregation, ...). */
  params: Record<string, unknown>
  /** Rows used and rows dropped as duplicates. */
  nUsed: number
  duplicatesDropped: number
}

/** The TwoNN fit: log(mu) against -log(1 - F(mu)), a line through the origin of slope = ID. */
export interface TwoNNFit {
  /** x values: log(mu_i) of the points kept by the fit (subsampled to at most 2000 for plotting). */
  x: number[]
  /** y values: -log(1 - F_emp(mu_i)). */
  y: number[]
  /** Fitted slope (= the TwoNN dimension). */
  slope: number
}

/** An ID-versus-scale curve. */
export interface ScalingCurve {
  /** 'twonn' (decimation: subsets N, N/2, ...) or 'gride' (doubling neighbour order). */
  method: 'twonn' | 'gride'
  /** Mean neighbour distance of each scale (x axis), ascending. */
  scales: number[]
  /** ID at each scale. */
  dimensions: number[]
  /** Error bar of each ID. */
  stderr: number[]
  /** Subset size (twonn) or neighbour order n2 (gride) of each scale. */
  sizes: number[]
}

/** Hubness of a set of k-NN lists, as the report shows it (see `Hubness` in the metrics API). */
export interface HubnessSummary {
  /** Fisher–Pearson skewness of the k-occurrences (biased). */
  skewness: number
  /** Robin Hood index in [0, 1): share of occurrences to move for an even graph. */
  robinhood: number
  /** Points with k-occurrence ≥ 2k, and points in no list. */
  hubs: number
  antiHubs: number
  /** Largest k-occurrence. */
  maxOccurrence: number
  /** Share of the list slots taken by hubs. */
  hubOccurrence: number
}

/** A distribution of per-query values: summary of the finite ones, their histogram, how many were not finite. */
export type QueryValues = Summary & { histogram: Histogram; nonFinite: number }

/**
 * The search geometry of a query set against the analysed set (`analyze(X, { queries })`): the
 * corpus is the neighbour sample of {@link Analysis.sample} (unit rows under cosine), the queries a
 * seeded sample of at most `maxQueries` rows, treated the same way.
 */
export interface QueryGeometry {
  /** Label of the query set (e.g. its file name). */
  name: string
  /** Query rows used, rows given, and whether a seeded sample was taken. */
  rows: number
  totalRows: number
  subsampled: boolean
  /** Neighbours of the difficulty measures (LID and contrast at k, expansion at 2k). */
  k: number
  /** Query LID (Levina–Bickel MLE of the k nearest corpus distances). */
  lid: QueryValues
  /** Relative contrast at k: mean distance to the corpus / k-th neighbour distance (He et al. 2012). */
  relativeContrast: QueryValues
  /** Expansion: 2k-th / k-th neighbour distance (Aumüller & Ceccarello 2019). */
  expansion: QueryValues
  /**
   * Hubness of the queries' k-NN lists over the corpus sample, plain (`before`) and re-ranked by
   * each hubness-reduction method of `reduceHubness` (exact over the whole corpus sample).
   */
  hubnessReduction: {
    k: number
    before: HubnessSummary
    methods: Array<{ method: string; neighbors: number; after: HubnessSummary; seconds: number }>
  }
}

/** Everything `analyze` measures. */
export interface Analysis {
  schema: 'embgeo.analysis/1'
  /** What was analysed. */
  source: {
    /** File name or a caller-given label. */
    name: string
    /** Input format ('npy', 'fvecs', 'csv', 'array', ...). */
    format: string
    /** Rows and columns of the input. */
    rows: number
    cols: number
    /** Element type of the input ('f16', 'f32', 'f64', 'u8', 'i32'). */
    dtype: string
    /** The true intrinsic dimension when it is known (synthetic benchmark manifolds). */
    intrinsicDimension?: number
    /** Where the data comes from, in words (e.g. the model and text of the demo sample). */
    description?: string
  }
  /**
   * Rows the neighbour-based measures used: all rows, or a seeded uniform subsample when the set is
   * larger than `maxRows`, without repeated rows (spectrum, norms, anisotropy and duplicates
   * always use every row).
   */
  sample: {
    rows: number
    seed: number
    subsampled: boolean
    /** Exact duplicates (after normalisation under cosine) left out of the sample: one row of each group is kept. */
    duplicatesRemoved: number
  }
  /** Distance used by the neighbour-based measures. */
  metric: 'euclidean' | 'cosine'
  /** Row L2 norms. */
  norms: Summary & { zeroRows: number; histogram: Histogram }
  /** Anisotropy: how much the set leans in one direction. */
  anisotropy: {
    /** ||mean row|| / mean(||row||), in [0, 1]; 0 = centred, 1 = all rows parallel. */
    meanNormRatio: number
    /** Mean cosine similarity over all ordered pairs i != j (exact, O(N d) time, O(d) memory). */
    averageCosine: number
    /** Standard deviation of the pairwise cosines (exact, from the d x d Gram of unit rows). */
    cosineStd: number
    /** Rows left out because their norm is 0. */
    zeroRows: number
  }
  /** Covariance spectrum (PCA of the centred rows). */
  spectrum: {
    /** Eigenvalues of the covariance (ddof 1), descending; at most min(rows - 1, cols), capped at 512 for the report. */
    eigenvalues: number[]
    /** eigenvalues / their total (the total over all of them, not only the ones listed). */
    explainedVarianceRatio: number[]
    /** Running sum of explainedVarianceRatio. */
    cumulative: number[]
    /** Roy & Vetterli (2007) effective rank: exp(entropy of singular values normalised to sum 1). */
    effectiveRank: number
    /** Participation ratio (sum lambda)^2 / sum lambda^2. */
    participationRatio: number
    /** Components needed for 90 %, 95 % and 99 % of the variance. */
    components90: number
    components95: number
    components99: number
  }
  /** Global intrinsic-dimension estimates (TwoNN, MLE, GRIDE). */
  id: { twoNN: IdEstimate; mle: IdEstimate; gride: IdEstimate }
  /** The TwoNN fit behind `id.twoNN`. */
  twoNNFit: TwoNNFit
  /** ID versus scale, both curves. */
  scaling: { twonn: ScalingCurve; gride: ScalingCurve }
  /** Local (pointwise) ID: MLE with k neighbours per point. */
  localId: Summary & { method: string; k: number; histogram: Histogram }
  /** Hubness of the k-nearest-neighbour graph. */
  hubness: {
    k: number
    /** Fisher–Pearson skewness (scipy.stats.skew, bias=True) of the k-occurrence counts. */
    skewness: number
    /** Largest k-occurrence. */
    maxOccurrence: number
    /** Points that are nobody's neighbour (k-occurrence 0). */
    antiHubs: number
    /** Points with k-occurrence >= 2k (scikit-hubness's hub rule). */
    hubs: number
    /** Histogram of k-occurrence counts, one bin per integer up to maxOccurrence (bins merged beyond 60). */
    histogram: Histogram
  }
  /** Exact duplicate rows (bitwise equal after -0 -> 0). */
  duplicates: {
    /** Rows equal to an earlier row. */
    count: number
    /** Distinct values that occur more than once. */
    groups: number
  }
  /** First two principal components of a seeded subsample, for a scatter plot. */
  scatter: {
    x: number[]
    y: number[]
    /** Row index of each point in the input. */
    rows: number[]
    /** Explained variance ratio of PC1 and PC2. */
    explained: [number, number]
    /** Optional per-row labels (e.g. text snippets or class ids), same length as x. */
    labels?: string[]
  }
  /** Search geometry of the query set, when `analyze` was given `queries`. */
  queries?: QueryGeometry
  /** Wall-clock seconds per stage, and the versions that produced this. */
  timings: Record<string, number>
  versions: { package: string; native: string; knnKernel?: string; threads: number }
  /** Seconds since the epoch / ISO time of the run. */
  createdAt: string
}

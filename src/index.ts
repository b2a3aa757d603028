/**
 * embgeo: embedding geometry for JavaScript on a multithreaded Rust core.
 * This file only re-exports; each capability lives in its own module.
 */
export { EmbgeoError, EmbgeoRangeError, EmbgeoTypeError, type ErrorCode } from './errors.js'
export { matrix, type DenseMatrix, type FloatArray, type LowPrecisionDtype, type LowPrecisionMatrix, type MatrixLike, type MatrixOptions } from './input.js'
export { setConcurrency, setThreads, versions, type Progress, type RunOptions, type Versions } from './run.js'
export { KnnIndex, knn, knnSync, recall, type KnnOptions, type KnnPart, type KnnPrecision, type KnnResult, type KnnShardOptions, type Metric } from './knn.js'
export { deserializeKnnPart, mergeKnn, mergeKnnSync, serializeKnnPart, type MergeKnnOptions } from './knn-part.js'
export { knnCrossParts, knnCrossPartsSync, type KnnCrossParts, type KnnCrossPartsOptions } from './knn-cross-parts.js'
export * from './intdim.js'
export { PCA, type PCAOptions } from './pca.js'
export {
  allButTheTop,
  allButTheTopSync,
  whitening,
  Whitener,
  type AllButTheTopResult,
  type WhitenerFitOptions,
  type WhitenerOptions,
} from './whitening.js'
export { columnStats, columnStatsSync, type ColumnStats, type ColumnStatsOptions } from './stats.js'
export * from './metrics.js'
export {
  anisotropyPart,
  anisotropyPartFromBytes,
  anisotropyPartSync,
  anisotropyPartToBytes,
  columnStatsPart,
  columnStatsPartFromBytes,
  columnStatsPartSync,
  columnStatsPartToBytes,
  mergeAnisotropy,
  mergeColumnStats,
  type AnisotropyPart,
  type ColumnStatsPart,
} from './summary-parts.js'
export {
  hubnessPart,
  hubnessPartFromBytes,
  hubnessPartSync,
  hubnessPartToBytes,
  mergeHubness,
  type HubnessPart,
  type HubnessPartOptions,
} from './hubness-part.js'
export {
  cka,
  ckaSync,
  linearity,
  linearitySync,
  relativeRepresentation,
  relativeRepresentationSync,
  rsa,
  rsaSync,
  type CkaOptions,
  type CkaResult,
  type LinearityResult,
  type RelativeOptions,
  type RsaOptions,
  type RsaResult,
} from './compare.js'
export {
  queryDifficulty,
  queryDifficultySync,
  reduceHubness,
  reduceHubnessSync,
  type HubnessReductionMethod,
  type QueryDifficulty,
  type QueryDifficultyOptions,
  type ReduceHubnessOptions,
  type ReduceHubnessResult,
} from './search.js'
export { analyze, type AnalyzeOptions } from './analyze.js'
export { anisotropySection, hubnessSection, idEstimate } from './analysis-sections.js'
export type { Analysis, Histogram, HubnessSummary, IdEstimate, QueryGeometry, QueryValues, ScalingCurve, Summary, TwoNNFit } from './analysis.js'
export { renderReport, type ReportOptions } from './report/index.js'
export * from './io.js'
export { VERSION } from './version.js'
export {
  cca,
  ccaSync,
  procrustes,
  procrustesSync,
  type CcaOptions,
  type CcaResult,
  type CcaVariant,
  type ProcrustesOptions,
  type ProcrustesResult,
} from './align.js'
export {
  informationImbalance,
  informationImbalanceSync,
  mutualKnn,
  mutualKnnSync,
  separabilityDimension,
  separabilityDimensionSync,
  type InformationImbalance,
  type InformationImbalanceOptions,
  type MutualKnn,
  type MutualKnnOptions,
  type SeparabilityDimension,
  type SeparabilityDimensionOptions,
} from './neighborhood.js'
export {
  compare,
  compareMany,
  compareManySync,
  compareSync,
  DEFAULT_MEASURES,
  MEASURE_NAMES,
  type CompareManyOptions,
  type CompareOptions,
  type CompareResult,
  type Comparison,
  type ComparisonMatrix,
  type MeasureName,
} from './comparison.js'
export { renderCompareReport, type CompareReportOptions } from './report/compare.js'

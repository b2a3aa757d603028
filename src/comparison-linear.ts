/**
 * compare's shared entry (issue 14): the linear measures of one pair (CKA, Procrustes, CCA,
 * linearity) in one native call (`compareLinear`, `embgeo_align::linear`), which computes the
 * feature-space products once per arithmetic and returns, bit for bit, what each measure's own
 * function returns. Only for compare / compareMany: the options come from their measures table
 * (fixed, valid values), so nothing is validated here.
 */
import { finishCca, finishProcrustes } from './align.js'
import { finishCka, finishLinearity } from './compare.js'
import type { DenseMatrix } from './input.js'
import { native } from './native.js'
import { pairAsync, pairSync, type Prepared } from './pair.js'
import type { RunOptions } from './run.js'

/** The function (native measure) behind a linear entry of compare's table. */
export type LinearMeasure = 'cka' | 'procrustes' | 'cca' | 'linearity'

/** One measure of a shared call, with the options its own function would receive. */
export interface LinearRequest {
  measure: LinearMeasure
  options: Record<string, unknown>
}

type NativeLinear = ReturnType<ReturnType<typeof native>['compareLinearSync']>

function prepared(a: DenseMatrix, b: DenseMatrix, requests: readonly LinearRequest[], run: RunOptions = {}): Prepared<{ measures: LinearRequest[] }> {
  return { a, b, opts: { measures: [...requests] }, run }
}

function finish(a: DenseMatrix, b: DenseMatrix, requests: readonly LinearRequest[], r: NativeLinear): unknown[] {
  return requests.map((q, i) => {
    const x = r.results[i]!
    switch (q.measure) {
      case 'cka':
        return finishCka(x.cka!)
      case 'procrustes':
        return finishProcrustes(a, b, x.procrustes!)
      case 'cca':
        return finishCca(a, b, x.cca!)
      case 'linearity':
        return finishLinearity(x.linearity!)
    }
  })
}

/** The results of `requests` on (a, b), in order, on embgeo's pool (`run`: signal and copy; progress is compare's own). */
export function linearMeasures(a: DenseMatrix, b: DenseMatrix, requests: readonly LinearRequest[], run: RunOptions = {}): Promise<unknown[]> {
  const p = prepared(a, b, requests, run)
  return pairAsync(p, (x, xc, y, yc, o, c) => native().compareLinear(x, xc, y, yc, o, c)).then((r) => finish(a, b, requests, r))
}

/** {@link linearMeasures} on the calling thread. */
export function linearMeasuresSync(a: DenseMatrix, b: DenseMatrix, requests: readonly LinearRequest[]): unknown[] {
  return finish(a, b, requests, pairSync(prepared(a, b, requests), native().compareLinearSync))
}

/**
 * `renderCompareReport`: what `compareMany` returns (a {@link Comparison}) as one self-contained
 * HTML page — the shared page shell of html.ts, one heatmap per measure (CKA, debiased CKA,
 * Procrustes, mutual kNN, …, in the order run) and a table of every pairwise number — as written
 * by `embgeo compare --html report.html`.
 */
import type { Comparison, ComparisonMatrix } from '../comparison.js'
import { embgeoError, EmbgeoError } from '../errors.js'
import { is, validateOptions } from '../validate.js'
import { card, documentHtml, figureHtml, int, type Row } from './html.js'
import { heatmapFigure } from './plots/heatmap.js'
import type { Figure } from './plots/figure.js'
import { duration, esc, fmt } from './svg.js'

/** Options of {@link renderCompareReport}. */
export interface CompareReportOptions {
  /** Page title and heading (default 'embgeo comparison: <labels>'). */
  title?: string
}

const PAIRS_CSS = `
.scroll{overflow-x:auto;border:1px solid var(--border);border-radius:8px;background:var(--panel)}
table.pairs{font-size:12.5px}
table.pairs th,table.pairs td{padding:4px 10px;border-top:1px solid var(--border)}
table.pairs thead th{color:var(--fg);font-weight:600;text-align:right;vertical-align:bottom;border-top:0}
table.pairs thead th:first-child,table.pairs tbody th{text-align:left;white-space:nowrap}
table.pairs thead small{display:block;font-weight:normal;color:var(--muted)}
`

/** `ckaDebiased` → `cka-debiased`, for element ids. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/** The heatmap of one measure's primary field. */
export function measureFigure(name: string, m: ComparisonMatrix, labels: readonly string[]): Figure {
  const values = m.fields[m.primary]!.flat()
  const field = m.primary === 'value' ? '' : ` (${m.primary})`
  return heatmapFigure({
    id: `plot-${kebab(name)}`,
    title: `${m.label}${field}`,
    labels,
    values,
    range: m.range,
    similarity: m.similarity,
    series: m.similarity ? 1 : 2,
    caption: `${m.about}${m.symmetric ? '' : ' Not symmetric: the cell in row i, column j is the measure from set i to set j.'}`,
  })
}

/** Column headers of the pair table: one per field, two (→ and ←) for measures that are not symmetric. */
function columns(c: Comparison): Array<{ head: string; sub: string; get(i: number, j: number): number }> {
  const out: Array<{ head: string; sub: string; get(i: number, j: number): number }> = []
  for (const name of c.measures) {
    const m = c.matrices[name]
    if (m === undefined) continue
    const fields = Object.keys(m.fields)
    for (const f of fields) {
      const head = fields.length > 1 ? `${m.label} · ${f}` : m.label
      const v = m.fields[f]!
      if (m.symmetric) out.push({ head, sub: m.similarity ? 'similarity' : 'distance', get: (i, j) => v[i]![j]! })
      else {
        out.push({ head, sub: 'first → second', get: (i, j) => v[i]![j]! })
        out.push({ head, sub: 'second → first', get: (i, j) => v[j]![i]! })
      }
    }
  }
  return out
}

/** Every unordered pair of sets as a table row, every scalar of every measure as a column. */
export function pairsTableHtml(c: Comparison): string {
  const cols = columns(c)
  const head = `<tr><th scope="col">first × second</th>${cols.map((k) => `<th scope="col">${esc(k.head)}<small>${esc(k.sub)}</small></th>`).join('')}</tr>`
  const rows: string[] = []
  for (let i = 0; i < c.labels.length; i++) {
    for (let j = i + 1; j < c.labels.length; j++) {
      const cells = cols.map((k) => `<td title="${esc(fmt(k.get(i, j), 12))}">${esc(fmt(k.get(i, j), 4))}</td>`).join('')
      rows.push(`<tr><th scope="row">${esc(c.labels[i])} × ${esc(c.labels[j])}</th>${cells}</tr>`)
    }
  }
  return `<div class="scroll"><table class="pairs"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`
}

function cardsHtml(c: Comparison): string {
  const sets: Row[] = c.labels.map((l, i) => [l, `${int(c.rows)} × ${int(c.cols[i]!)}`])
  const options = Object.entries(c.options).map(([k, v]) => [k, esc(String(v))] as Row)
  const runs: Row[] = c.measures.flatMap((name) => {
    const m = c.matrices[name]
    return m === undefined ? [] : [[m.label, esc(duration(m.seconds))] as Row]
  })
  return [
    card('Sets (rows × columns)', sets),
    card('Run', [
      ...options,
      ...runs,
      ['embgeo', esc(c.versions.package)],
      ['native core', esc(c.versions.native)],
      ['threads', int(c.versions.threads)],
    ]),
  ].join('')
}

/** The page body: meta line, cards, heatmaps, the pair table. */
function mainHtml(c: Comparison, figures: Figure[]): string {
  const meta = [
    ['sets', String(c.labels.length)],
    ['rows', int(c.rows)],
    ['measures', String(c.measures.length)],
    ['created', c.createdAt],
  ]
    .map(([k, v]) => `<li>${esc(k)} <b>${esc(v)}</b></li>`)
    .join('')
  return `<section class="set" id="comparison">
<ul class="meta">${meta}</ul>
<p class="about">Every representation describes the same ${int(c.rows)} items, row by row; each cell compares two of them.</p>
<h2>Summary</h2>
<div class="cards">${cardsHtml(c)}</div>
<h2>Heatmaps</h2>
<div class="plots">
${figures.map(figureHtml).join('\n')}
</div>
<h2>Every pair</h2>
${pairsTableHtml(c)}
</section>`
}

/**
 * The comparison as one self-contained HTML document (no scripts, no external URLs, light and
 * dark themes): a heatmap per measure (`plot-cka`, `plot-cka-debiased`, `plot-procrustes`,
 * `plot-mutual-knn`, … for the measures in `comparison`) and a table of every pairwise number.
 *
 * @param comparison what `compareMany` returns (or its JSON, parsed).
 * @param options `title` of the page.
 * @returns the HTML text; about 20 kB for 4 sets and 7 measures.
 * @throws ERR_INVALID_ARG_TYPE if `comparison` is not a complete 'embgeo.comparison/1' document.
 */
export function renderCompareReport(comparison: Comparison, options: CompareReportOptions = {}): string {
  const c = comparison
  if (c === null || typeof c !== 'object' || c.schema !== 'embgeo.comparison/1') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', "comparison must be what compareMany() returns (schema 'embgeo.comparison/1')")
  }
  const o = validateOptions<CompareReportOptions>('renderCompareReport', options, { title: is.string })
  try {
    const figures = c.measures.flatMap((name) => {
      const m = c.matrices[name]
      return m === undefined ? [] : [measureFigure(name, m, c.labels)]
    })
    const title = o.title ?? `embgeo comparison: ${c.labels.join(', ')}`
    return documentHtml({
      title,
      version: c.versions.package,
      css: PAIRS_CSS,
      main: mainHtml(c, figures),
      footer: `Generated by embgeo ${esc(c.versions.package)} (native ${esc(c.versions.native)}, ${int(c.versions.threads)} threads) from schema ${esc(c.schema)}.
This page is self-contained: no scripts, no network access; hover a cell for its value.`,
    })
  } catch (err) {
    // a document with the right schema but missing or mistyped fields (edited JSON) fails inside
    // the renderer: report it as the coded input error it is
    if (err instanceof EmbgeoError) throw err
    throw embgeoError('ERR_INVALID_ARG_TYPE', `comparison is not a complete 'embgeo.comparison/1' document (as compareMany() returns it): ${err instanceof Error ? err.message : String(err)}`, {
      name: 'comparison',
      cause: err,
    })
  }
}

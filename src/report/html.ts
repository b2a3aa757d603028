/**
 * The report page: one self-contained HTML document (inline CSS, inline SVG, no scripts, no
 * external URLs, a Content-Security-Policy that forbids loading anything) with a header naming the
 * input, summary tables of the key numbers, and the figures in a responsive grid. Light and dark
 * themes follow `prefers-color-scheme` through CSS custom properties.
 */
import type { Analysis, IdEstimate } from '../analysis.js'
import type { Figure } from './plots/figure.js'
import { CHART_CSS, duration, esc, fmt, pct } from './svg.js'

const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--panel:#f6f8fa;--accent:#0969da;
--eg-bg:var(--bg);--eg-fg:var(--fg);--eg-muted:var(--muted);--eg-axis:#8c959f;--eg-grid:#e6eaef;
--eg-c1:#0072b2;--eg-c2:#d55e00;--eg-c3:#009e73;--eg-c4:#cc79a7;--eg-c5:#b07a00;--eg-c6:#3a93c8}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--border:#30363d;--panel:#151b23;--accent:#4493f8;
--eg-axis:#6e7681;--eg-grid:#262c35;
--eg-c1:#56b4e9;--eg-c2:#f28c4f;--eg-c3:#3cc79c;--eg-c4:#e79ac8;--eg-c5:#f0c24d;--eg-c6:#9ccff2}}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;-webkit-text-size-adjust:100%}
header,main,footer{max-width:1240px;margin:0 auto;padding:0 24px}
header{padding-top:28px;padding-bottom:8px}
h1{font-size:24px;line-height:1.25;margin:0 0 6px;font-weight:650;overflow-wrap:anywhere}
h2{font-size:17px;margin:28px 0 12px;font-weight:620;padding-bottom:6px;border-bottom:1px solid var(--border)}
h3{font-size:14.5px;margin:0 0 8px;font-weight:620}
.meta{display:flex;flex-wrap:wrap;gap:6px 8px;margin:10px 0 0;padding:0;list-style:none}
.meta li{background:var(--panel);border:1px solid var(--border);border-radius:999px;padding:1px 10px;font-size:12.5px;color:var(--muted)}
.meta li b{color:var(--fg);font-weight:600}
section.set+section.set{margin-top:40px;padding-top:8px;border-top:2px solid var(--border)}
h2.set{font-size:21px;margin:18px 0 4px}
.about{color:var(--muted);margin:10px 0 0;font-size:14px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:16px}
.card{border:1px solid var(--border);border-radius:8px;padding:12px 14px;background:var(--panel)}
table{width:100%;border-collapse:collapse;font-size:13px}
th{text-align:left;font-weight:normal;color:var(--muted);padding:3px 10px 3px 0;vertical-align:top}
td{text-align:right;padding:3px 0;font-variant-numeric:tabular-nums;white-space:nowrap}
td small{display:block;color:var(--muted);font-size:11.5px;white-space:normal}
td.stages{text-align:left;white-space:normal;color:var(--muted);font-size:12px}
td.stages span{white-space:nowrap}
tr+tr th,tr+tr td{border-top:1px solid var(--border)}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,500px),1fr));gap:20px}
figure{margin:0;border:1px solid var(--border);border-radius:8px;padding:14px 16px 12px;background:var(--bg);min-width:0}
figcaption{margin-top:8px;font-size:12.5px;color:var(--muted);line-height:1.45}
figcaption .notes{display:block;margin-top:4px;color:var(--fg)}
footer{margin-top:28px;padding-top:12px;padding-bottom:28px;font-size:12px;color:var(--muted);border-top:1px solid var(--border)}
${CHART_CSS.trim()}
`

/** A `key = value` list of an estimator's scalar parameters. */
function params(p: Record<string, unknown>): string {
  return Object.entries(p)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? fmt(v, 4) : String(v)}`)
    .join(', ')
}

function pm(value: number, err?: number): string {
  return err !== undefined && Number.isFinite(err) && err > 0 ? `${fmt(value)} ± ${fmt(err, 2)}` : fmt(value)
}

/** An integer with thousands separators, '—' if not finite. */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—'
}

/** A table row: label, value (HTML), optional hover hint; a label of '' spans the value over both columns. */
export type Row = [label: string, valueHtml: string, hint?: string]

/** A summary card: a titled table of label/value rows. */
export function card(title: string, rows: Row[]): string {
  const body = rows
    .map(([label, value, hint]) =>
      label === ''
        ? `<tr><td colspan="2" class="stages">${value}</td></tr>`
        : `<tr><th scope="row"${hint ? ` title="${esc(hint)}"` : ''}>${esc(label)}</th><td>${value}</td></tr>`,
    )
    .join('')
  return `<section class="card"><h3>${esc(title)}</h3><table>${body}</table></section>`
}

function idRow(label: string, e: IdEstimate): Row {
  const p = params(e.params)
  return [label, `${esc(pm(e.dimension, e.stderr))}${p ? ` <small>${esc(p)}</small>` : ''}`, `${int(e.nUsed)} rows used, ${int(e.duplicatesDropped)} duplicates dropped`]
}

/** The query cards: difficulty, and the hubness of the queries' lists before and after each reduction. */
function queryCards(q: NonNullable<Analysis['queries']>): string[] {
  const median = (v: { median: number; p10: number; p90: number; nonFinite: number }): string =>
    `${esc(fmt(v.median))} <small>p10–p90 ${esc(fmt(v.p10))}–${esc(fmt(v.p90))}${v.nonFinite ? `, ${int(v.nonFinite)} not finite` : ''}</small>`
  const h = q.hubnessReduction
  const hub = (x: { skewness: number; robinhood: number }): string => `${esc(fmt(x.skewness))} <small>Robin Hood ${esc(fmt(x.robinhood))}</small>`
  return [
    card(`Queries: ${q.name}`, [
      ['queries used', `${int(q.rows)}${q.subsampled ? ` <small>seeded sample of ${int(q.totalRows)}</small>` : ''}`],
      ['query LID (median)', median(q.lid), `Levina–Bickel MLE, k = ${q.k}`],
      ['relative contrast (median)', median(q.relativeContrast), `mean corpus distance / k-th neighbour distance, k = ${q.k}`],
      ['expansion (median)', median(q.expansion), `2k-th / k-th neighbour distance, k = ${q.k}`],
    ]),
    card(`Hubness reduction (queries, k = ${h.k})`, [
      ['plain kNN skewness', hub(h.before), 'k-occurrence of corpus points in the queries’ lists'],
      ...h.methods.map((m): Row => [m.method, hub(m.after), `neighbours ${m.neighbors}, ${duration(m.seconds)}`]),
    ]),
  ]
}

/** The summary cards: data, geometry, intrinsic dimension, hubness, queries (when given), run. */
export function summaryHtml(a: Analysis): string {
  const s = a.spectrum
  const totalTime = a.timings['total'] ?? Object.values(a.timings).reduce((t, v) => t + (Number.isFinite(v) ? v : 0), 0)
  const stages = Object.entries(a.timings)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `<span>${esc(k)} ${esc(duration(v))}</span>`)
    .join(' · ')
  const versions = a.versions
  return [
    card('Data', [
      ['rows × columns', `${int(a.source.rows)} × ${int(a.source.cols)}`],
      ['format, dtype', esc(`${a.source.format}, ${a.source.dtype}`)],
      [
        'rows for neighbour measures',
        `${int(a.sample.rows)}${a.sample.subsampled ? ` <small>seeded sample, seed ${esc(a.sample.seed)}</small>` : ''}` +
          (a.sample.duplicatesRemoved ? ` <small>${int(a.sample.duplicatesRemoved)} duplicates left out</small>` : ''),
      ],
      ['metric', esc(a.metric)],
      ['exact duplicate rows', `${int(a.duplicates.count)} <small>in ${int(a.duplicates.groups)} groups</small>`],
      ['zero rows', int(a.norms.zeroRows)],
      ['row norm', `${esc(pm(a.norms.mean))} <small>sd ${esc(fmt(a.norms.std))}</small>`],
    ]),
    card('Global geometry', [
      ['anisotropy ‖mean‖ / mean ‖x‖', esc(fmt(a.anisotropy.meanNormRatio)), '0 = centred, 1 = all rows parallel'],
      ['average cosine', `${esc(fmt(a.anisotropy.averageCosine))} <small>sd ${esc(fmt(a.anisotropy.cosineStd))}</small>`, 'over all ordered pairs of distinct rows'],
      ['effective rank', esc(fmt(s.effectiveRank)), 'Roy & Vetterli (2007)'],
      ['participation ratio', esc(fmt(s.participationRatio)), '(Σλ)² / Σλ²'],
      ['components for 90 / 95 / 99 %', `${int(s.components90)} / ${int(s.components95)} / ${int(s.components99)}`],
      ['PC1, PC2 explained', `${esc(pct(s.explainedVarianceRatio[0] ?? Number.NaN))}, ${esc(pct(s.explainedVarianceRatio[1] ?? Number.NaN))}`],
    ]),
    card('Intrinsic dimension', [
      idRow('TwoNN', a.id.twoNN),
      idRow('MLE (Levina–Bickel)', a.id.mle),
      idRow('GRIDE', a.id.gride),
      ['local ID median', `${esc(fmt(a.localId.median))} <small>p10–p90 ${esc(fmt(a.localId.p10))}–${esc(fmt(a.localId.p90))}</small>`, `${a.localId.method}, k = ${a.localId.k}`],
    ]),
    card('Hubness', [
      ['k', int(a.hubness.k)],
      ['k-occurrence skewness', esc(fmt(a.hubness.skewness)), 'Fisher–Pearson, biased; > 1 is strong hubness'],
      ['hubs (occurrence ≥ 2k)', int(a.hubness.hubs)],
      ['anti-hubs (occurrence 0)', int(a.hubness.antiHubs)],
      ['largest occurrence', int(a.hubness.maxOccurrence)],
    ]),
    ...(a.queries === undefined ? [] : queryCards(a.queries)),
    card('Run', [
      ['total time', esc(duration(totalTime))],
      ...(stages ? [['', stages] as Row] : []),
      ['embgeo', esc(versions.package)],
      ['native core', `${esc(versions.native)}${versions.knnKernel ? ` <small>kNN kernel ${esc(versions.knnKernel)}</small>` : ''}`],
      ['threads', int(versions.threads)],
    ]),
  ].join('')
}

/** One figure: heading, chart and caption with its data-specific notes. */
export function figureHtml(f: Figure): string {
  const notes = f.notes.length ? ` <span class="notes">${f.notes.map(esc).join(' ')}</span>` : ''
  return `<figure id="${esc(f.id)}"><h3>${esc(f.title)}</h3>${f.svg}<figcaption>${esc(f.caption)}${notes}</figcaption></figure>`
}

/** One analysed set: its header, summary cards and figures (ids suffixed with `-N` after the first set). */
function sectionHtml(a: Analysis, figures: Figure[], index: number, count: number): string {
  const src = a.source
  const suffix = index === 0 ? '' : `-${index + 1}`
  const meta = [
    ['source', src.name],
    ['format', src.format],
    ['shape', `${int(src.rows)} × ${int(src.cols)}`],
    ['dtype', src.dtype],
    ['metric', a.metric],
    ...(src.intrinsicDimension === undefined ? [] : [['true intrinsic dimension', String(src.intrinsicDimension)]]),
    ['created', a.createdAt],
  ]
    .map(([k, v]) => `<li>${esc(k)} <b>${esc(v)}</b></li>`)
    .join('')
  const heading = count > 1 ? `<h2 class="set">${esc(src.name)}</h2>` : ''
  const about = src.description ? `<p class="about">${esc(src.description)}</p>` : ''
  return `<section class="set" id="set${suffix || '-1'}">
${heading}<ul class="meta">${meta}</ul>
${about}<h2>Summary</h2>
<div class="cards">${summaryHtml(a)}</div>
<h2>Plots</h2>
<div class="plots">
${figures.map((f) => figureHtml({ ...f, id: f.id + suffix })).join('\n')}
</div>
</section>`
}

/** What {@link documentHtml} wraps: the page title, the `<main>` and `<footer>` contents, extra CSS. */
export interface PageShell {
  title: string
  /** embgeo version named in the generator meta tag. */
  version: string
  /** HTML of `<main>`. */
  main: string
  /** HTML of `<footer>`. */
  footer: string
  /** CSS appended to the shared page style (e.g. for a page's own tables). */
  css?: string
}

/**
 * The page shell every report shares: a self-contained document (inline CSS, no scripts, a
 * Content-Security-Policy that forbids loading anything) with light and dark themes.
 */
export function documentHtml(p: PageShell): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="embgeo ${esc(p.version)}">
<title>${esc(p.title)}</title>
<style>${PAGE_CSS}${p.css ?? ''}</style>
</head>
<body>
<header>
<h1>${esc(p.title)}</h1>
</header>
<main>
${p.main}
</main>
<footer>${p.footer}</footer>
</body>
</html>
`
}

/** The whole HTML document: one section per analysed set. */
export function pageHtml(sets: ReadonlyArray<{ analysis: Analysis; figures: Figure[] }>, title: string): string {
  const first = sets[0]!.analysis
  return documentHtml({
    title,
    version: first.versions.package,
    main: sets.map((s, i) => sectionHtml(s.analysis, s.figures, i, sets.length)).join('\n'),
    footer: `Generated by embgeo ${esc(first.versions.package)} (native ${esc(first.versions.native)}, ${int(first.versions.threads)} threads) from schema ${esc(first.schema)}.
This page is self-contained: no scripts, no network access; hover a point or bar for its value.`,
  })
}

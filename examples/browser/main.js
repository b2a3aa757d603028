// The page's one script: file → readEmbeddings (bytes) → analyze → renderReport, all in this tab
// on embgeo's WebAssembly build. `window.embgeoAnalyze(bytes, name)` is what the drop handler
// calls; the browser test calls it too (with a fixture) and waits for `document.body.dataset.state`.
//
// embgeo's WebAssembly build is threaded (shared memory), so the page must be cross-origin
// isolated. When the server does not send COOP/COEP headers, the page installs coi-sw.js (a
// service worker adding them) and reloads once; embgeo is imported only after that.

const FORMATS = { npy: 'npy', fvecs: 'fvecs', bvecs: 'bvecs', safetensors: 'safetensors', jsonl: 'jsonl', json: 'json', csv: 'csv', tsv: 'tsv', txt: 'txt' }
const $ = (id) => document.getElementById(id)

function status(text, error = false) {
  $('status').textContent = text
  $('status').className = error ? 'error' : ''
}

/** True when the page is (or, after one reload, will be) cross-origin isolated. */
async function isolate() {
  if (globalThis.crossOriginIsolated) return true
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return false
  if (sessionStorage.getItem('embgeo-coi-reload') !== null) return false // the reload did not help
  await navigator.serviceWorker.register('./coi-sw.js')
  await navigator.serviceWorker.ready
  sessionStorage.setItem('embgeo-coi-reload', '1')
  location.reload()
  return new Promise(() => {})
}

function start({ analyze, readEmbeddings, renderReport, setThreads, versions }) {
  const threads = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1))
  setThreads(threads)

  async function embgeoAnalyze(bytes, name) {
    document.body.dataset.state = 'running'
    const t0 = performance.now()
    try {
      const ext = name.split('.').pop().toLowerCase()
      status(`reading ${name} (${(bytes.length / 1e6).toFixed(1)} MB)…`)
      const file = await readEmbeddings(bytes, FORMATS[ext] ? { format: FORMATS[ext] } : {})
      status(`analysing ${file.rows} × ${file.cols} (${file.format}, ${file.dtype}) on ${versions().threads} thread(s)…`)
      const analysis = await analyze(file, { seed: 1 })
      const loaded = new Promise((resolve) => $('report').addEventListener('load', resolve, { once: true }))
      $('report').srcdoc = renderReport(analysis, { title: name })
      $('report').style.display = 'block'
      await loaded
      const s = ((performance.now() - t0) / 1000).toFixed(1)
      status(`${file.rows} × ${file.cols} analysed in ${s} s on ${versions().threads} thread(s) (embgeo ${versions().package}, ${versions().target})`)
      document.body.dataset.state = 'done'
    } catch (err) {
      status(`${err.code ?? 'Error'}: ${err.message}`, true)
      document.body.dataset.state = 'error'
    }
  }
  window.embgeoAnalyze = embgeoAnalyze

  async function take(file) {
    if (file) await embgeoAnalyze(new Uint8Array(await file.arrayBuffer()), file.name)
  }
  const drop = $('drop')
  drop.addEventListener('click', () => $('file').click())
  drop.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && $('file').click())
  $('file').addEventListener('change', () => take($('file').files[0]))
  drop.addEventListener('dragover', (e) => {
    e.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (e) => {
    e.preventDefault()
    drop.classList.remove('over')
    take(e.dataTransfer.files[0])
  })
  const by = navigator.serviceWorker?.controller ? 'coi-sw.js' : 'the server'
  status(`ready: embgeo ${versions().package} (${versions().target}, ${versions().threads} threads, isolated by ${by})`)
  document.body.dataset.state = 'ready'
}

if (await isolate()) {
  start(await import('embgeo'))
} else {
  status("This page needs cross-origin isolation for embgeo's threaded WebAssembly build: serve it with COOP/COEP headers, or over https or localhost (a service worker then adds them).", true)
  document.body.dataset.state = 'unsupported'
}

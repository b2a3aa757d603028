// Cross-origin isolation for static hosts that cannot send COOP/COEP headers (GitHub Pages, a
// plain file server): this service worker re-serves the page's own responses with them, so
// SharedArrayBuffer — which embgeo's threaded WebAssembly build needs — becomes available after
// one reload. A server that sends the headers itself never needs it (the page checks
// `crossOriginIsolated` first). Same-origin responses only; nothing leaves the page.
self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))
self.addEventListener('fetch', (event) => {
  const request = event.request
  if (new URL(request.url).origin !== self.location.origin) return
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response
      const headers = new Headers(response.headers)
      headers.set('Cross-Origin-Opener-Policy', 'same-origin')
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp')
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
    }),
  )
})

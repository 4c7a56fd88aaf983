// The service worker of the Fugai web client (built into dist/sw.js by the
// fugai-service-worker plugin in vite.config.ts, which fills in VERSION and
// PRECACHE). It lets the app start without a network:
// - the app shell (index.html and every hashed asset) is kept on install;
// - pages (navigations) come from the network, else from the kept shell;
// - hashed assets come from the cache first (their names change with them);
// - a few API reads a liaison needs in the field (who is signed in, the
//   dictionaries, a ledger, its visits and plan, its own enterprises) come
//   from the network and are kept; without a network the kept copy answers,
//   marked X-Fugai-Offline: 1 so the screens can say so. The page clears
//   these copies when a user signs in or out. Writes are never handled here:
//   the page keeps them in its outbox (src/offline).
const VERSION = "e08dc46e7a77"
const PRECACHE = [
  "/index.html",
  "/assets/CoverageView-DPhQ79DM.js",
  "/assets/CoverageView-QHxKF3DL.css",
  "/assets/EnterpriseView-DEu5tFmF.css",
  "/assets/EnterpriseView-ueflklHC.js",
  "/assets/EnterprisesView-C3b-Mgzw.js",
  "/assets/EnterprisesView-DHBWn3Dw.css",
  "/assets/ExportsView-BcSMNIzn.js",
  "/assets/ExportsView-D3kQ_hlM.css",
  "/assets/GapsView-DcT099Io.css",
  "/assets/GapsView-DvYoUHvU.js",
  "/assets/ImportsView-C1NGyaQj.js",
  "/assets/ImportsView-g3lAO4Bd.css",
  "/assets/JointGroupsView-BSqKcRQ1.js",
  "/assets/JointGroupsView-xrNmHMzj.css",
  "/assets/LoginView-Cbg3Cl66.css",
  "/assets/LoginView-D7d4YAON.js",
  "/assets/MeView-Dm5igHk3.css",
  "/assets/MeView-Dw8MOvAi.js",
  "/assets/PlanView-DhDQSGPP.js",
  "/assets/PlanView-uy3JtqUe.css",
  "/assets/TodoView-2iFL8cBu.js",
  "/assets/TodoView-JcE7SAf1.css",
  "/assets/_plugin-vue_export-helper-BB5tF8nd.js",
  "/assets/account-LSUiQFRB.js",
  "/assets/coverageBars-CwE9itGS.js",
  "/assets/dictionaries-5UJ5aoai.js",
  "/assets/history-t1CR9LBu.js",
  "/assets/icon-COKTOwyh.js",
  "/assets/index-B4qGR9Xd.js",
  "/assets/index-CoxKO6fI.css",
  "/assets/pages-KF15m24Q.js",
  "/assets/plans-DnrzlEv8.js",
  "/assets/popup-DdSDsNfk.js",
  "/assets/tag-BdV3YJWa.js",
  "/assets/use-lazy-render-DztRUrKN.js",
  "/assets/use-route-CeWBUdx7.js",
  "/assets/visits-BIu6AjSj.js",
  "/assets/visits-Cr7TwSqk.css"
]
const SHELL = 'fugai-shell-' + VERSION
const DATA = 'fugai-data'
const KEPT_READS = [
  /^\/api\/v1\/me$/,
  /^\/api\/v1\/dictionaries$/,
  /^\/api\/v1\/enterprises\/\d+$/,
  /^\/api\/v1\/enterprises\/\d+\/(visits|plan|history|liaison)$/,
  /^\/api\/v1\/me\/enterprises$/,
]

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('fugai-shell-') && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/api/')) {
    if (KEPT_READS.some((r) => r.test(url.pathname))) event.respondWith(networkKeeping(req))
    return
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)))
    return
  }
  if (req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(() => caches.match('/index.html', { cacheName: SHELL })))
  }
})

async function networkKeeping(req) {
  try {
    const res = await fetch(req)
    if (res.ok) {
      const copy = res.clone()
      caches.open(DATA).then((c) => c.put(req, copy))
    }
    return res
  } catch (err) {
    const hit = await caches.match(req, { cacheName: DATA })
    if (!hit) throw err
    const headers = new Headers(hit.headers)
    headers.set('X-Fugai-Offline', '1')
    return new Response(await hit.blob(), { status: hit.status, statusText: hit.statusText, headers })
  }
}

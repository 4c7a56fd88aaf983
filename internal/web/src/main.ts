import { createApp, watch } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { Button, Cell, CellGroup, Empty, Field, Form, List, Loading, NavBar, Search, Tabbar, TabbarItem } from 'vant'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'
import { whenUnauthenticated } from './api/client'
import { load, session } from './session'
import { start as startOutbox } from './offline/sync'

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    { path: '/', component: () => import('./views/EnterprisesView.vue') },
    { path: '/todo', component: () => import('./views/TodoView.vue') },
    { path: '/coverage', component: () => import('./views/CoverageView.vue') },
    { path: '/gaps/:gap([a-z_]+)', component: () => import('./views/GapsView.vue') },
    { path: '/enterprises/:id(\\d+)', component: () => import('./views/EnterpriseView.vue') },
    { path: '/me', component: () => import('./views/MeView.vue') },
    { path: '/imports', component: () => import('./views/ImportsView.vue') },
    { path: '/exports', component: () => import('./views/ExportsView.vue') },
    { path: '/enterprises/:id(\\d+)/plan', component: () => import('./views/PlanView.vue') },
    { path: '/joint-groups', component: () => import('./views/JointGroupsView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

// Every screen but the login needs a session; the login keeps the place.
router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.checked) await load()
  return session.user ? true : { path: '/login', query: { back: to.fullPath } }
})

// A signed-in user whose session ended (expired, signed out elsewhere, the
// password changed on another phone) is told so on the login screen.
whenUnauthenticated(() => {
  const expired = !!session.user
  session.user = null
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ path: '/login', query: { back: here.fullPath, ...(expired ? { reason: 'expired' } : {}) } })
})

// 待上传 follows the signed-in user: what they saved offline is sent now
// and whenever the network returns.
watch(() => session.user?.username, (u) => { void startOutbox(u) })

// The service worker keeps the app shell for starts without a network
// (sw-template.js); only in the built app, which is what fugai serves.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => { navigator.serviceWorker.register('/sw.js').catch(() => {}) })
}

createApp(App)
  .use(router)
  .use(Button).use(Cell).use(CellGroup).use(Empty).use(Field).use(Form).use(List).use(Loading).use(NavBar).use(Search).use(Tabbar).use(TabbarItem)
  .mount('#app')

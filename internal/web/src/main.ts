import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import { Button, Cell, CellGroup, Empty, Field, Form, List, Loading, NavBar, Search, Tabbar, TabbarItem } from 'vant'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'
import { whenUnauthenticated } from './api/client'
import { load, session } from './session'

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
    { path: '/', component: () => import('./views/EnterprisesView.vue') },
    { path: '/todo', component: () => import('./views/TodoView.vue') },
    { path: '/coverage', component: () => import('./views/CoverageView.vue') },
    { path: '/gaps/:gap([a-z_]+)', component: () => import('./views/GapsView.vue') },
    { path: '/enterprises/:id(\\d+)', component: () => import('./views/EnterpriseView.vue') },
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

whenUnauthenticated(() => {
  session.user = null
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ path: '/login', query: { back: here.fullPath } })
})

createApp(App)
  .use(router)
  .use(Button).use(Cell).use(CellGroup).use(Empty).use(Field).use(Form).use(List).use(Loading).use(NavBar).use(Search).use(Tabbar).use(TabbarItem)
  .mount('#app')

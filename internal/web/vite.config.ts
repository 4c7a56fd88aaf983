import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin, type Rollup } from 'vite'
import vue from '@vitejs/plugin-vue'

// Vant's icon font is embedded in its CSS, with a fallback on a public CDN:
// an intranet app loads nothing from outside (and the CSP would refuse
// it), so the fallback is dropped.
function noRemoteFonts(): Plugin {
  return {
    name: 'fugai-no-remote-fonts',
    transform(code, id) {
      if (!id.endsWith('.css')) return null
      const out = code.replace(/,\s*url\(\/\/at\.alicdn\.com\/[^)]*\)\s*format\("[a-z0-9]+"\)/g, '')
      return out === code ? null : { code: out, map: null }
    },
  }
}

// dist/sw.js: the service worker (sw-template.js) with the list of every
// file of this build to keep for offline starts, and a version that changes
// with them (the hashed names change with their content).
function serviceWorker(): Plugin {
  return {
    name: 'fugai-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((f) => f !== 'sw.js').sort()
      const precache = ['/index.html', ...files.filter((f) => f.startsWith('assets/')).map((f) => '/' + f)]
      const version = createHash('sha256').update(files.join('\n')).update(bundle['index.html'] && 'source' in bundle['index.html'] ? String(bundle['index.html'].source) : '').digest('hex').slice(0, 12)
      const source = readFileSync(new URL('./sw-template.js', import.meta.url), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(version))
        .replace('__PRECACHE__', JSON.stringify(precache, null, 2))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}

// The liaison's screens (待办, 我的企业, 企业台账) must start with at most
// 200 kB of JavaScript and CSS, gzipped: the entry, those screens' chunks,
// everything they import statically, and their CSS. The build prints the
// figure and fails above the budget (the size is the same on every machine).
const liaisonScreens = ['views/TodoView.vue', 'views/EnterprisesView.vue', 'views/EnterpriseView.vue']
const budgetKB = 200
function budget(): Plugin {
  return {
    name: 'fugai-budget',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((o): o is Rollup.OutputChunk => o.type === 'chunk')
      const roots = chunks.filter((c) => c.isEntry || liaisonScreens.some((v) => c.facadeModuleId?.endsWith(v)))
      if (roots.length !== liaisonScreens.length + 1) this.error(`budget: found ${roots.length - 1} of the liaison screens' chunks`)
      const files = new Set<string>(['index.html'])
      const visit = (c: Rollup.OutputChunk) => {
        if (files.has(c.fileName)) return
        files.add(c.fileName)
        for (const css of c.viteMetadata?.importedCss ?? []) files.add(css)
        for (const i of c.imports) if (bundle[i]?.type === 'chunk') visit(bundle[i] as Rollup.OutputChunk)
      }
      roots.forEach(visit)
      let total = 0
      for (const f of files) {
        const o = bundle[f]
        if (!o) continue
        total += gzipSync(o.type === 'chunk' ? o.code : o.source).length
      }
      const kb = total / 1000
      const line = `liaison screens: initial JS + CSS ${kb.toFixed(1)} kB gzipped in ${files.size} files (budget ${budgetKB} kB)`
      if (kb > budgetKB) this.error(line)
      console.log('\n' + line)
    },
  }
}

// The bundle is embedded in the fugai binary (internal/web/dist) and served
// at /; hashed files live under /assets/ and are cached for a year.
export default defineConfig({
  plugins: [vue(), noRemoteFonts(), serviceWorker(), budget()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline scripts or module-preload polyfill: the server's
    // Content-Security-Policy allows scripts from this origin only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
})

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { defineConfig, type Plugin } from 'vite'
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

// The bundle is embedded in the fugai binary (internal/web/dist) and served
// at /; hashed files live under /assets/ and are cached for a year.
export default defineConfig({
  plugins: [vue(), noRemoteFonts(), serviceWorker()],
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

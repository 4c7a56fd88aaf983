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

// The bundle is embedded in the fugai binary (internal/web/dist) and served
// at /; hashed files live under /assets/ and are cached for a year.
export default defineConfig({
  plugins: [vue(), noRemoteFonts()],
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

import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The bundle is embedded in the fugai binary (internal/web/dist) and served
// at /; hashed files live under /assets/ and are cached for a year.
export default defineConfig({
  plugins: [vue()],
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

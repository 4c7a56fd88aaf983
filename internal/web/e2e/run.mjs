// Browser tests of the web client: node e2e/run.mjs FUGAI_BINARY [NAME…]
// Starts one server with the samples loaded (harness.mjs), then runs every
// spec in e2e/specs in name order (or only those whose file name contains
// one of the NAMEs). A spec's failed checks and thrown errors are collected;
// any console error or page error of a page it opened fails the run.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startHarness } from './harness.mjs'

const [bin, ...only] = process.argv.slice(2)
if (!bin) throw new Error('usage: node e2e/run.mjs FUGAI_BINARY [NAME…]')
const specsDir = join(dirname(fileURLToPath(import.meta.url)), 'specs')
const specs = readdirSync(specsDir).filter((f) => f.endsWith('.mjs') && (!only.length || only.some((o) => f.includes(o)))).sort()
if (!specs.length) throw new Error('no spec matches ' + only.join(' '))

let t
const failed = []
try {
  t = await startHarness(bin)
  for (const name of specs) {
    const before = t.failures.length + t.problems.length
    const started = Date.now()
    try {
      const spec = await import(pathToFileURL(join(specsDir, name)).href)
      await spec.default(t)
    } catch (e) {
      t.failures.push(`${name}: ${e.stack || e}`)
    }
    const bad = t.failures.length + t.problems.length > before
    if (bad) failed.push(name)
    console.log(`${bad ? 'FAIL' : 'ok  '} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }
} catch (e) {
  failed.push('harness')
  t?.failures.push(String(e.stack || e)) ?? console.error(e)
} finally {
  await t?.close()
}
const all = [...(t?.failures ?? []), ...(t?.problems ?? []).map((p) => 'console: ' + p)]
if (failed.length || all.length) {
  console.error('web client browser tests FAILED (' + failed.join(', ') + '):\n- ' + all.join('\n- '))
  if (t && !failed.includes('harness')) console.error('screenshots: ' + t.shots)
  process.exit(1)
}
console.log(`web client browser tests passed: ${specs.length} specs (Chromium, 360×640; screenshots at 375×812 in ${t.shots})`)

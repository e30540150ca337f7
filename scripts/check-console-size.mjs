#!/usr/bin/env node
// Fails the build when the console's JavaScript and CSS together exceed the gzip budget
// (issue 15: under 150 KB), so a heavy dependency cannot slip in unnoticed.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const BUDGET_BYTES = 150 * 1024
const dir = process.argv[2] ?? 'dist/console/console'

const files = readdirSync(dir).filter((name) => name.endsWith('.js') || name.endsWith('.css'))
if (files.length === 0) {
  console.error(`check-console-size: no .js or .css files in ${dir}`)
  process.exit(1)
}
let total = 0
for (const name of files) {
  const size = gzipSync(readFileSync(join(dir, name)), { level: 9 }).length
  total += size
  console.log(`  ${name}: ${(size / 1024).toFixed(1)} KB gzip`)
}
const verdict = `console JS+CSS: ${(total / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB)`
if (total > BUDGET_BYTES) {
  console.error(`${verdict}: over budget`)
  process.exit(1)
}
console.log(verdict)

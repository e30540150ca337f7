#!/usr/bin/env node
// `npm run bench [-- flags]`: runs bench/run.ts (TypeScript, through tsx) with the given flags,
// then bench/files.ts (the score command beside raw ONNX Runtime). `--only files [flags]` runs
// bench/files.ts alone with its flags; `--no-files` leaves it out. See each script for its flags;
// results are printed and written to bench-output/.
import { spawnSync } from 'node:child_process'

const args = process.argv.slice(2)
const run = (script, flags) => spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' }).status ?? 1

const only = args.indexOf('--only')
if (only !== -1) {
  const what = args[only + 1]
  const flags = args.filter((_, index) => index !== only && index !== only + 1)
  if (what !== 'files') {
    console.error(`--only takes "files", got ${what}`)
    process.exit(2)
  }
  process.exit(run('bench/files.ts', flags))
}
const skipFiles = args.includes('--no-files')
const status = run('bench/run.ts', args.filter((arg) => arg !== '--no-files'))
process.exit(status !== 0 || skipFiles ? status : run('bench/files.ts', []))

#!/usr/bin/env node
// `npm run bench [-- flags]`: runs bench/run.ts (TypeScript, through tsx) with the given flags,
// then the streams bench (bench/streams.ts). `--only streams` runs only the streams bench, with
// the remaining flags passed to it. See each script for its flags; results are printed and
// bench/run.ts also writes them to bench-output/.
import { spawnSync } from 'node:child_process'

const args = process.argv.slice(2)
const only = args.indexOf('--only')
const run = (script, flags) => spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' }).status ?? 1
if (only !== -1 && args[only + 1] === 'streams') {
  process.exit(run('bench/streams.ts', args.filter((_, index) => index !== only && index !== only + 1)))
}
const status = run('bench/run.ts', args)
process.exit(status === 0 ? run('bench/streams.ts', []) : status)

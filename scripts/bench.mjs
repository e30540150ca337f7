#!/usr/bin/env node
// `npm run bench [-- flags]`: runs bench/run.ts (TypeScript, through tsx) with the given flags.
// See bench/run.ts for the flags; results are printed and written to bench-output/.
import { spawnSync } from 'node:child_process'

const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(result.status ?? 1)

#!/usr/bin/env node
// `npm run bench [-- flags]`: runs bench/run.ts (the HTTP gateway against bare baselines, through
// tsx) with the given flags, then the door benches, each against its own bare baseline measured
// in the same run: bench/files.ts (`portcullis score` beside raw ONNX Runtime), bench/streams.ts
// (MQTT and JetStream end to end beside the broker's own round trip) and bench/drift.ts (the Iris
// row with and without a drift profile). `--only files|streams|drift|headers [flags]` runs one of
// them alone with the remaining flags (headers: the fixed response headers' CPU per response,
// bench/headers.ts, run only by name); `--no-files`, `--no-streams`, `--no-drift` leave one out.
// See each script for its flags; results are printed and bench/run.ts also writes them to bench-output/.
import { spawnSync } from 'node:child_process'

const DOORS = ['files', 'streams', 'drift']
const args = process.argv.slice(2)
const run = (script, flags) => spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' }).status ?? 1

const only = args.indexOf('--only')
if (only !== -1) {
  const what = args[only + 1]
  if (![...DOORS, 'headers'].includes(what)) {
    console.error(`--only takes one of ${[...DOORS, 'headers'].join(', ')}, got ${what}`)
    process.exit(2)
  }
  process.exit(
    run(
      `bench/${what}.ts`,
      args.filter((_, index) => index !== only && index !== only + 1),
    ),
  )
}
const skipped = new Set(DOORS.filter((door) => args.includes(`--no-${door}`)))
let status = run(
  'bench/run.ts',
  args.filter((arg) => !DOORS.some((door) => arg === `--no-${door}`)),
)
for (const door of DOORS) {
  if (status === 0 && !skipped.has(door)) status = run(`bench/${door}.ts`, [])
}
process.exit(status)

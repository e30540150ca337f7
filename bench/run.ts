/**
 * `npm run bench`: the bare baselines and Portcullis, loaded with the same requests in one run
 * (issue 6). Servers run pinned to core 0 and the load generator to core 1 when taskset exists.
 *
 *   npm run bench -- [--duration 4] [--warmup 1] [--rounds 3] [--connections 1,16,64] [--soak-requests 1000000]
 *                    [--no-soak] [--models iris,mlp] [--servers baseline,noauth,floor,floor-headers,portcullis,unbatched,cached]
 *
 * `--servers` may also name `threaded` (Portcullis with every session on an inference thread), left out by default.
 *
 * Every cell (model, connections, server) is measured once per round, the servers of a cell back
 * to back, and the table keeps each cell's median round by req/s: on a shared machine single
 * readings of the same server move by a quarter from one run to the next.
 *
 * --models and --servers run a subset, for quick comparisons while tuning; targets whose cells
 * were not measured are reported as not measured.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { LoadResult, LoadSpec } from './load.js'
import {
  DEFAULT_SERVERS,
  isReference,
  mebibytes,
  ratioTable,
  resultTable,
  SERVER_ORDER,
  SERVERS,
  soakSummary,
  verdicts,
  verdictTable,
  type Cell,
  type ServerKind,
  type SoakResult,
} from './report.js'
import { compileServers, pinning, runPinned, startBaseline, startPortcullis, type ServerProcess } from './servers.js'
import { buildWorkload, irisBodies, type BenchModel, type Workload } from './workload.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,16,64' },
    'soak-requests': { type: 'string', default: '1000000' },
    'no-soak': { type: 'boolean', default: false },
    models: { type: 'string', default: 'iris,mlp' },
    servers: { type: 'string', default: DEFAULT_SERVERS.join(',') },
  },
})
const durationSeconds = Number(values.duration)
const rounds = Math.max(1, Number(values.rounds))
const warmupSeconds = Number(values.warmup)
const connectionCounts = values.connections.split(',').map(Number)
const soakRequests = Number(values['soak-requests'])
const selectedModels = new Set(values.models.split(','))
const selectedServers = new Set(values.servers.split(','))
const SOAK_FIRST = 10_000
const SOAK_STRETCHES = 9
const workDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'))
const twoCores = cpus().length >= 2
const SERVER_CORE = twoCores ? 0 : undefined
const LOAD_CORE = twoCores ? 1 : undefined

// Rate limits stay in the pipeline but are raised so the load is never refused (issue 6, "Benchmark").
const RAISED_LIMITS = { rateLimit: { default: '1000000000/minute', anonymous: '1000000000/minute', predict: '1000000000/minute' } }
const OVERLAYS: Record<'portcullis' | 'unbatched' | 'threaded' | 'cached', Record<string, unknown>> = {
  portcullis: { ...RAISED_LIMITS, cache: { enabled: false } },
  unbatched: { ...RAISED_LIMITS, cache: { enabled: false }, inference: { batching: { enabled: false } } },
  threaded: { ...RAISED_LIMITS, cache: { enabled: false }, inference: { threads: 1, threadAboveMicroseconds: 0 } },
  cached: { ...RAISED_LIMITS },
}

async function load(server: ServerProcess, workload: Workload, model: BenchModel, connections: number, extra: Partial<LoadSpec> = {}): Promise<LoadResult> {
  const spec: LoadSpec = {
    url: server.url,
    connections,
    path: `/api/v1/models/${model.name}/predict`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${workload.token}` },
    bodies: [model.body],
    warmupSeconds,
    durationSeconds,
    ...extra,
  }
  const cpuBefore = server.cpuMicros()
  // The spec goes through a file: the soak's bodies would overflow a command line.
  const specPath = join(workDir, 'load-spec.json')
  writeFileSync(specPath, JSON.stringify(spec))
  const out = await runPinned(LOAD_CORE, [process.execPath, '--import', 'tsx', 'bench/load.ts', specPath])
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult
  // The warm-up's requests are not counted, so scale the CPU time to the measured share.
  const share = result.seconds / (result.seconds + spec.warmupSeconds)
  return { ...result, serverCpuMicrosPerRequest: ((server.cpuMicros() - cpuBefore) * share) / result.requests }
}

async function measure(server: ServerProcess, kind: ServerKind, workload: Workload, model: BenchModel, connections: number, cells: Cell[]): Promise<void> {
  const result = await load(server, workload, model, connections)
  cells.push({ model: model.name, connections, server: kind, result })
  console.error(
    `  ${model.name.padEnd(4)} c=${String(connections).padStart(2)} ${SERVERS[kind].padEnd(52)} ${Math.round(result.requestsPerSecond).toString().padStart(6)} req/s  p50 ${result.p50Micros} µs  p99 ${result.p99Micros} µs  server CPU ${Math.round(result.serverCpuMicrosPerRequest ?? NaN)} µs/req${result.non2xx + result.errors > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors)` : ''}`,
  )
}

/** One cell per model, connections and server: the reading with the median req/s of its rounds. */
function medianCells(readings: readonly Cell[]): Cell[] {
  const groups = new Map<string, Cell[]>()
  for (const reading of readings) {
    const key = `${reading.model} ${reading.connections} ${reading.server}`
    groups.set(key, [...(groups.get(key) ?? []), reading])
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.result.requestsPerSecond - b.result.requestsPerSecond)
    return sorted[Math.floor((sorted.length - 1) / 2)] as Cell
  })
}

async function soak(workload: Workload): Promise<SoakResult> {
  const server = await startPortcullis({ name: 'soak', modelsDir: workload.modelsDir, secret: workload.secret, overlay: RAISED_LIMITS, workDir, core: SERVER_CORE })
  try {
    // 50,000 distinct inputs against a 10,000-entry cache: the cache fills, then keeps evicting.
    const bodies = irisBodies(50_000)
    const first = await load(server, workload, workload.models.iris, 16, { bodies, warmupSeconds: 0, amount: SOAK_FIRST })
    const samples = [{ requests: first.requests, rssBytes: server.rssBytes() }]
    let { requests, non2xx, errors } = first
    // The rest in stretches, RSS read after each: the target compares only the first and last
    // readings, the ones between show whether RSS keeps climbing or moves around a level.
    const remaining = Math.max(0, soakRequests - SOAK_FIRST)
    for (let stretch = 0; stretch < SOAK_STRETCHES; stretch += 1) {
      const amount = Math.floor(((stretch + 1) * remaining) / SOAK_STRETCHES) - Math.floor((stretch * remaining) / SOAK_STRETCHES)
      if (amount === 0) continue
      const result = await load(server, workload, workload.models.iris, 16, { bodies, warmupSeconds: 0, amount })
      requests += result.requests
      non2xx += result.non2xx
      errors += result.errors
      samples.push({ requests, rssBytes: server.rssBytes() })
    }
    const rssAfterFirstBytes = samples[0]?.rssBytes ?? NaN
    const rssAfterAllBytes = samples.at(-1)?.rssBytes ?? NaN
    return { requests, firstRequests: first.requests, rssAfterFirstBytes, rssAfterAllBytes, non2xx, errors, samples }
  } finally {
    await server.stop()
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  try {
    compileServers()
    const workload = await buildWorkload(workDir)
    const models = [workload.models.iris, workload.models.mlp].filter((model) => selectedModels.has(model.name))
    const pinned = pinning(0).length > 0 && twoCores
    console.error(`Portcullis bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${mebibytes(totalmem())}, node ${process.version}`)
    console.error(pinned ? 'servers pinned to core 0, load generator (autocannon) to core 1 (taskset)' : 'taskset unavailable or one core: processes are not pinned')
    console.error(`each cell: ${warmupSeconds} s warm-up, ${durationSeconds} s measured, ${rounds} rounds (median kept); connections ${connectionCounts.join(', ')}`)
    console.error(
      `Portcullis: APP_ENV=production, --workers 1, full default pipeline; rate limits raised (not disabled) by a CONFIG_PATH overlay: ${JSON.stringify(RAISED_LIMITS.rateLimit)}`,
    )
    const cells: Cell[] = []
    const peaks: Record<string, number> = {}
    // Every server is started first and idles while another is loaded; each cell then loads them
    // back to back, so a slow drift in the machine's speed reaches all servers of a ratio alike.
    const kinds = SERVER_ORDER.filter((kind) => selectedServers.has(kind))
    // Reference servers serve one model each: keyed by kind and model.
    const references = new Map<string, { kind: ServerKind; model: string; server: ServerProcess }>()
    const portcullis = new Map<ServerKind, ServerProcess>()
    try {
      for (const kind of kinds) {
        if (isReference(kind)) {
          for (const model of models) {
            const name = `${kind} ${model.name}`
            references.set(name, {
              kind,
              model: model.name,
              server: await startBaseline({ name, server: kind, modelFile: model.file, labels: model.labels, secret: workload.secret, core: SERVER_CORE }),
            })
          }
        } else {
          portcullis.set(kind, await startPortcullis({ name: kind, modelsDir: workload.modelsDir, secret: workload.secret, overlay: OVERLAYS[kind], workDir, core: SERVER_CORE }))
        }
      }
      const readings: Cell[] = []
      for (let round = 1; round <= rounds; round += 1) {
        console.error(`round ${round} of ${rounds}`)
        for (const model of models) {
          for (const connections of connectionCounts) {
            for (const kind of kinds) {
              const server = isReference(kind) ? references.get(`${kind} ${model.name}`)?.server : portcullis.get(kind)
              if (server !== undefined) await measure(server, kind, workload, model, connections, readings)
            }
          }
        }
      }
      cells.push(...medianCells(readings))
    } finally {
      for (const { kind, model, server } of references.values()) {
        peaks[`${SERVERS[kind]} (${model})`] = server.peakRssBytes()
        await server.stop()
      }
      for (const [kind, server] of portcullis) {
        peaks[`${SERVERS[kind]} (both models)`] = server.peakRssBytes()
        await server.stop()
      }
    }
    const soakResult = values['no-soak'] ? undefined : await soak(workload)
    cells.sort((a, b) => a.model.localeCompare(b.model) || a.connections - b.connections || SERVER_ORDER.indexOf(a.server) - SERVER_ORDER.indexOf(b.server))
    const report = [
      '### Results',
      '',
      resultTable(cells),
      '',
      '### Ratios',
      '',
      ratioTable(cells),
      '',
      '### Peak RSS (VmHWM)',
      '',
      ...Object.entries(peaks).map(([name, bytes]) => `- ${name}: ${mebibytes(bytes)}`),
      '',
      '### Leak check',
      '',
      soakResult === undefined ? 'not run (--no-soak)' : soakSummary(soakResult),
      '',
      '### Targets (issue 6)',
      '',
      verdictTable(verdicts(cells, soakResult)),
      '',
      `Run took ${Math.round((Date.now() - started) / 1000)} s.`,
    ].join('\n')
    console.log(report)
    mkdirSync('bench-output', { recursive: true })
    writeFileSync(join('bench-output', 'results.md'), `${report}\n`)
    writeFileSync(join('bench-output', 'results.json'), `${JSON.stringify({ cells, peaks, soak: soakResult }, null, 2)}\n`)
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}

await main()

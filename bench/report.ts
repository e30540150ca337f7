import type { LoadResult } from './load.js'

/** The servers the bench compares. */
export const SERVERS = {
  baseline: 'baseline: node:http + jsonwebtoken (KeyObject) + ORT',
  noauth: 'baseline: no auth',
  floor: 'Koa floor: the KeyObject baseline in Koa + @koa/router',
  'floor-headers': "Koa floor + the contract's response headers",
  'floor-headers-each': 'Koa floor + the same headers, one setHeader each per response',
  portcullis: 'Portcullis, cache off',
  unbatched: 'Portcullis, cache off, batching off',
  threaded: 'Portcullis, cache off, every session on an inference thread',
  cached: 'Portcullis, cache hits',
} as const

/** One server kind. */
export type ServerKind = keyof typeof SERVERS

/** Every kind, in the order the tables list them. */
export const SERVER_ORDER = Object.keys(SERVERS) as ServerKind[]

/** The kinds `npm run bench` measures unless --servers says otherwise: `threaded` and `floor-headers-each` are asked for by name. */
export const DEFAULT_SERVERS = SERVER_ORDER.filter((kind) => kind !== 'threaded' && kind !== 'floor-headers-each')

/** The reference servers: one process per model, not Portcullis. */
export type ReferenceKind = 'baseline' | 'noauth' | 'floor' | 'floor-headers' | 'floor-headers-each'

export function isReference(kind: ServerKind): kind is ReferenceKind {
  return kind === 'baseline' || kind === 'noauth' || kind === 'floor' || kind === 'floor-headers' || kind === 'floor-headers-each'
}

/** One measured cell of the table. */
export interface Cell {
  model: string
  connections: number
  server: ServerKind
  result: LoadResult
}

/** The leak check: RSS after the first requests and after all of them. */
export interface SoakResult {
  requests: number
  rssAfterFirstBytes: number
  firstRequests: number
  rssAfterAllBytes: number
  non2xx: number
  errors: number
  /** RSS read along the way, after the first requests and after each later stretch, in order. */
  samples: { requests: number; rssBytes: number }[]
}

/**
 * The leak check as a sentence: the target's two readings, then every reading along the way, so a
 * reader can tell growth that keeps going (a leak) from a heap that moves up and down around its
 * working size.
 */
export function soakSummary(soak: SoakResult): string {
  const change = ((soak.rssAfterAllBytes / soak.rssAfterFirstBytes - 1) * 100).toFixed(1)
  const later = soak.samples.filter((sample) => sample.requests > soak.firstRequests).map((sample) => sample.rssBytes)
  const along = soak.samples.map((sample) => `${Math.round(sample.rssBytes / 1024 / 1024)} MiB after ${sample.requests}`).join(', ')
  const range = later.length === 0 ? '' : `; after the first ${soak.firstRequests}, RSS stayed between ${mebibytes(Math.min(...later))} and ${mebibytes(Math.max(...later))}`
  return [
    `Portcullis, default config (cache on, 50,000 distinct Iris inputs), 16 connections: RSS ${mebibytes(soak.rssAfterFirstBytes)} after ${soak.firstRequests} requests, ${mebibytes(soak.rssAfterAllBytes)} after ${soak.requests} (${change} %), ${soak.non2xx + soak.errors} failed.`,
    '',
    `Along the way: ${along}${range}.`,
  ].join('\n')
}

/** A target of issue 6 and whether this run met it. */
export interface Verdict {
  target: string
  measured: string
  met: boolean | undefined
  /** The same throughput ratio from server CPU time per request, which a busy machine disturbs less. */
  byCpu?: string
  /** The same ratio reached by the Koa floor with the contract's headers, and without them. */
  floor?: string
}

/** The results table, as Markdown. */
export function resultTable(cells: readonly Cell[]): string {
  const lines = [
    '| model | conns | server | req/s | p50 µs | p99 µs | server CPU µs/req | failed | req/s vs KeyObject baseline |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const cell of cells) {
    const baseline = find(cells, cell.model, cell.connections, 'baseline')
    const ratio = baseline === undefined ? '' : fixed(cell.result.requestsPerSecond / baseline.result.requestsPerSecond, 2)
    const r = cell.result
    lines.push(
      `| ${cell.model} | ${cell.connections} | ${SERVERS[cell.server]} | ${Math.round(r.requestsPerSecond)} | ${r.p50Micros} | ${r.p99Micros} | ${fixed(r.serverCpuMicrosPerRequest ?? NaN, 0)} | ${r.non2xx + r.errors} | ${ratio} |`,
    )
  }
  return lines.join('\n')
}

/** The ratios the issue asks for, per model and connection count. */
export function ratioTable(cells: readonly Cell[]): string {
  const lines = [
    '| model | conns | Portcullis / KeyObject | Portcullis / no-auth | p99 Portcullis / KeyObject | cache hits / KeyObject | cache hits / cache off | batching on / off | KeyObject CPU / Portcullis CPU per request | Koa floor / KeyObject | Koa floor + headers / KeyObject | Portcullis / Koa floor + headers | inference thread / event loop |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const keys = [...new Set(cells.map((cell) => `${cell.model}\u0000${cell.connections}`))]
  for (const key of keys) {
    const [model = '', connections = '0'] = key.split('\u0000')
    const get = (server: ServerKind) => find(cells, model, Number(connections), server)?.result
    const rps = (a?: LoadResult, b?: LoadResult) => (a && b ? fixed(a.requestsPerSecond / b.requestsPerSecond, 2) : '')
    const p99 = (a?: LoadResult, b?: LoadResult) => (a && b ? fixed(a.p99Micros / b.p99Micros, 2) : '')
    const cpu = (a?: LoadResult, b?: LoadResult) => (a && b ? fixed((a.serverCpuMicrosPerRequest ?? NaN) / (b.serverCpuMicrosPerRequest ?? NaN), 2) : '')
    lines.push(
      `| ${model} | ${connections} | ${rps(get('portcullis'), get('baseline'))} | ${rps(get('portcullis'), get('noauth'))} | ${p99(get('portcullis'), get('baseline'))} | ${rps(get('cached'), get('baseline'))} | ${rps(get('cached'), get('portcullis'))} | ${rps(get('portcullis'), get('unbatched'))} | ${cpu(get('baseline'), get('portcullis'))} | ${rps(get('floor'), get('baseline'))} | ${rps(get('floor-headers'), get('baseline'))} | ${rps(get('portcullis'), get('floor-headers'))} | ${rps(get('threaded'), get('portcullis'))} |`,
    )
  }
  return lines.join('\n')
}

/** Issue 6's targets against this run. */
export function verdicts(cells: readonly Cell[], soak: SoakResult | undefined): Verdict[] {
  const rps = (model: string, connections: number, server: ServerKind) => find(cells, model, connections, server)?.result.requestsPerSecond
  const p99 = (model: string, connections: number, server: ServerKind) => find(cells, model, connections, server)?.result.p99Micros
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b)
  const cpu = (model: string, connections: number, server: ServerKind) => find(cells, model, connections, server)?.result.serverCpuMicrosPerRequest
  // A CPU-bound server's throughput is the inverse of its CPU time per request.
  const cpuRatio = (model: string, connections: number, server: ServerKind, versus: ServerKind) => {
    const value = ratio(cpu(model, connections, versus), cpu(model, connections, server))
    return value === undefined ? undefined : fixed(value, 2)
  }
  const check = (target: string, value: number | undefined, ok: (value: number) => boolean): Verdict => ({
    target,
    measured: value === undefined ? 'not measured' : fixed(value, 2),
    met: value === undefined ? undefined : ok(value),
  })
  // What the Koa floor reaches on a target's ratio: with the contract's headers, then without.
  const floor = (of: (server: ServerKind) => number | undefined) => {
    const [withHeaders, bare] = [ratio(of('floor-headers'), of('baseline')), ratio(of('floor'), of('baseline'))]
    if (withHeaders === undefined && bare === undefined) return undefined
    return `${withHeaders === undefined ? 'n/a' : fixed(withHeaders, 2)} (${bare === undefined ? 'n/a' : fixed(bare, 2)})`
  }
  const list: Verdict[] = [
    {
      ...check('Iris, 16 conns, cache off: Portcullis ≥ 0.85 × KeyObject baseline req/s', ratio(rps('iris', 16, 'portcullis'), rps('iris', 16, 'baseline')), (v) => v >= 0.85),
      byCpu: cpuRatio('iris', 16, 'portcullis', 'baseline'),
      floor: floor((server) => rps('iris', 16, server)),
    },
    {
      ...check('Iris, 16 conns, cache off: Portcullis ≥ 0.6 × no-auth baseline req/s', ratio(rps('iris', 16, 'portcullis'), rps('iris', 16, 'noauth')), (v) => v >= 0.6),
      byCpu: cpuRatio('iris', 16, 'portcullis', 'noauth'),
      floor: floor((server) => rps('iris', 16, server === 'baseline' ? 'noauth' : server)),
    },
    {
      ...check('Iris, 64 conns, cache off: Portcullis p99 ≤ 1.5 × KeyObject baseline p99', ratio(p99('iris', 64, 'portcullis'), p99('iris', 64, 'baseline')), (v) => v <= 1.5),
      floor: floor((server) => p99('iris', 64, server)),
    },
    {
      ...check('MLP, 16 conns: cache hits ≥ 2 × KeyObject baseline req/s', ratio(rps('mlp', 16, 'cached'), rps('mlp', 16, 'baseline')), (v) => v >= 2),
      byCpu: cpuRatio('mlp', 16, 'cached', 'baseline'),
    },
    {
      ...check('MLP, 64 conns: micro-batching ≥ 2 × KeyObject (unbatched) baseline req/s', ratio(rps('mlp', 64, 'portcullis'), rps('mlp', 64, 'baseline')), (v) => v >= 2),
      byCpu: cpuRatio('mlp', 64, 'portcullis', 'baseline'),
    },
  ]
  const growth = soak === undefined ? undefined : soak.rssAfterAllBytes / soak.rssAfterFirstBytes
  list.push(check(`RSS after ${soak?.requests ?? '1M'} requests ≤ 1.10 × RSS after the first ${soak?.firstRequests ?? '10k'}`, growth, (v) => v <= 1.1))
  return list
}

/** The verdicts as Markdown. */
export function verdictTable(list: readonly Verdict[]): string {
  const lines = [
    "| target | measured | met | same ratio from server CPU µs/req | Koa floor on the same ratio: with the contract's headers (without) |",
    '| --- | ---: | --- | ---: | ---: |',
  ]
  for (const verdict of list)
    lines.push(
      `| ${verdict.target} | ${verdict.measured} | ${verdict.met === undefined ? 'not run' : verdict.met ? 'yes' : 'NO'} | ${verdict.byCpu ?? ''} | ${verdict.floor ?? ''} |`,
    )
  return lines.join('\n')
}

/** Bytes as MiB with one decimal. */
export function mebibytes(bytes: number): string {
  return `${fixed(bytes / 1024 / 1024, 1)} MiB`
}

function find(cells: readonly Cell[], model: string, connections: number, server: ServerKind): Cell | undefined {
  return cells.find((cell) => cell.model === model && cell.connections === connections && cell.server === server)
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

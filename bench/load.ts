/**
 * The load generator of `npm run bench`, run as its own process so it can be pinned to its own
 * core: autocannon, with latencies kept at microsecond resolution (autocannon's own histogram
 * keeps whole milliseconds).
 *
 *   node --import tsx bench/load.ts SPEC.json   → prints one LoadResult as JSON
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

/** One load run. */
export interface LoadSpec {
  url: string
  connections: number
  /** Bodies sent in turn by every connection; all POST to `path` with `headers`. */
  path: string
  headers: Record<string, string>
  bodies: string[]
  warmupSeconds: number
  /** Measured for this long, unless `amount` is set. */
  durationSeconds?: number
  /** Measured until this many responses. */
  amount?: number
}

/** What one load run measured. */
export interface LoadResult {
  requests: number
  seconds: number
  requestsPerSecond: number
  p50Micros: number
  p99Micros: number
  non2xx: number
  errors: number
  /** Set by the bench from /proc: the server's CPU time per request (approximate: the warm-up is prorated). */
  serverCpuMicrosPerRequest?: number
}

// 1 µs buckets up to 2 s; slower responses land in the last bucket.
const BUCKETS = 2_000_000

function fire(spec: LoadSpec, measure: { durationSeconds?: number; amount?: number }, histogram?: Uint32Array): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        ...(measure.amount === undefined ? { duration: measure.durationSeconds ?? 1 } : { amount: measure.amount }),
        requests: spec.bodies.map((body) => ({ method: 'POST' as const, path: spec.path, headers: spec.headers, body })),
        timeout: 10,
      },
      (err: Error | null, result: autocannon.Result) => (err ? reject(err) : resolve(result)),
    )
    if (histogram !== undefined) {
      instance.on('response', (_client, _status, _bytes, responseTime) => {
        const bucket = Math.min(BUCKETS - 1, Math.round(responseTime * 1000))
        histogram[bucket] = (histogram[bucket] ?? 0) + 1
      })
    }
  })
}

function percentile(histogram: Uint32Array, total: number, fraction: number): number {
  const wanted = Math.ceil(total * fraction)
  let seen = 0
  for (let micros = 0; micros < histogram.length; micros += 1) {
    seen += histogram[micros] ?? 0
    if (seen >= wanted) return micros
  }
  return histogram.length
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec
if (spec.warmupSeconds > 0) await fire(spec, { durationSeconds: spec.warmupSeconds })
const histogram = new Uint32Array(BUCKETS)
const started = process.hrtime.bigint()
const result = await fire(spec, { durationSeconds: spec.durationSeconds, amount: spec.amount }, histogram)
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const recorded = histogram.reduce((sum, count) => sum + count, 0)
const answered = result.requests.total
const output: LoadResult = {
  requests: answered,
  seconds: result.duration,
  requestsPerSecond: answered / (spec.amount === undefined ? result.duration : seconds),
  p50Micros: percentile(histogram, recorded, 0.5),
  p99Micros: percentile(histogram, recorded, 0.99),
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
}
console.log(JSON.stringify(output))

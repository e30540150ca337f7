/** Cumulative histogram totals as GET /api/v1/metrics/summary sends them. */
export interface HistogramTotals {
  cumulative: number[]
  sum: number
  count: number
}

/** GET /api/v1/metrics/summary. */
export interface Summary {
  at: number
  requests: { total: number; by_class: Record<string, number> }
  cache: Record<string, number>
  latency_bounds: (number | null)[]
  stages: Record<string, HistogramTotals>
  batch_bounds: (number | null)[]
  batch_size: HistogramTotals
}

/** What one interval between two samples shows. */
export interface Point {
  /** Seconds since the epoch, at the end of the interval. */
  t: number
  requestsPerSecond: number
  errorsPerSecond: number
  /** Hits over hits and misses, null with no lookups in the interval. */
  cacheHitRatio: number | null
  meanBatchSize: number | null
  /** p99 in milliseconds per stage, null for a stage that saw nothing. */
  p99: Record<string, number | null>
}

/**
 * The p-quantile of the observations between two cumulative histograms, as Prometheus's
 * histogram_quantile does: linear inside the bucket it falls in, the last finite bound for +Inf.
 */
function quantile(q: number, bounds: (number | null)[], before: number[], after: number[]): number | null {
  const counts = after.map((value, index) => value - (before[index] ?? 0))
  const total = counts.at(-1) ?? 0
  if (total <= 0) return null
  const rank = q * total
  for (let index = 0; index < counts.length; index += 1) {
    const count = counts[index] ?? 0
    if (count >= rank) {
      const upper = bounds[index]
      const lower = index === 0 ? 0 : (bounds[index - 1] ?? 0)
      if (upper === null || upper === undefined) return lower
      const below = index === 0 ? 0 : (counts[index - 1] ?? 0)
      const inBucket = count - below
      return inBucket <= 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket)
    }
  }
  return null
}

/** The interval between two consecutive samples. */
export function pointBetween(before: Summary, after: Summary): Point {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001)
  const delta = (a: number | undefined, b: number | undefined): number => Math.max((b ?? 0) - (a ?? 0), 0)
  const errors = delta(before.requests.by_class['4xx'], after.requests.by_class['4xx']) + delta(before.requests.by_class['5xx'], after.requests.by_class['5xx'])
  const hits = delta(before.cache.hit, after.cache.hit)
  const lookups = hits + delta(before.cache.miss, after.cache.miss)
  const batches = delta(before.batch_size.count, after.batch_size.count)
  const p99: Record<string, number | null> = {}
  for (const [stage, totals] of Object.entries(after.stages)) {
    const seconds99 = quantile(0.99, after.latency_bounds, before.stages[stage]?.cumulative ?? [], totals.cumulative)
    p99[stage] = seconds99 === null ? null : seconds99 * 1000
  }
  return {
    t: after.at / 1000,
    requestsPerSecond: delta(before.requests.total, after.requests.total) / seconds,
    errorsPerSecond: errors / seconds,
    cacheHitRatio: lookups === 0 ? null : hits / lookups,
    meanBatchSize: batches === 0 ? null : delta(before.batch_size.sum, after.batch_size.sum) / batches,
    p99,
  }
}

import type { LabelValues, MetricValue } from 'prom-client'
import type { Metrics } from './metrics.js'

/** Cumulative counts of one histogram: per bucket upper bound (the last is +Inf), plus sum and count. */
export interface HistogramTotals {
  /** Cumulative count at each bound of `bounds`, in order; the last entry counts every observation. */
  cumulative: number[]
  sum: number
  count: number
}

/** The compact JSON of `GET /api/v1/metrics/summary`: cumulative totals since start, for a client to difference. */
export interface MetricsSummary {
  /** When the totals were read, in milliseconds since the epoch. */
  at: number
  requests: { total: number; by_class: Record<string, number> }
  cache: Record<string, number>
  /** Upper bounds of the latency buckets in seconds; `null` stands for +Inf. */
  latency_bounds: (number | null)[]
  stages: Record<string, HistogramTotals>
  batch_bounds: (number | null)[]
  batch_size: HistogramTotals
}

/**
 * Reads the in-process registry into a summary: request counts by status class, cache results,
 * each stage's latency histogram and the batch-size histogram summed over models. Every value is a
 * total since start, so a client that keeps a ring of samples gets rates and recent percentiles from
 * the differences, and no sample is lost to a missed poll.
 */
export async function summarizeMetrics(metrics: Metrics): Promise<MetricsSummary> {
  const [requests, cache, stages, batches] = await Promise.all([metrics.httpRequests.get(), metrics.cacheRequests.get(), metrics.stageDuration.get(), metrics.batchSize.get()])
  const byClass: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }
  let total = 0
  for (const { labels, value } of requests.values) {
    total += value
    const status = `${String(labels.status ?? '').charAt(0)}xx`
    if (status in byClass) byClass[status] = (byClass[status] ?? 0) + value
  }
  const stageTotals = histogramTotals(stages.values, 'stage')
  const batchTotals = histogramTotals(batches.values, undefined)
  return {
    at: Date.now(),
    requests: { total, by_class: byClass },
    cache: Object.fromEntries(cache.values.map(({ labels, value }) => [String(labels.result), value])),
    latency_bounds: stageTotals.bounds,
    stages: Object.fromEntries(stageTotals.groups),
    batch_bounds: batchTotals.bounds,
    batch_size: batchTotals.groups.get('') ?? { cumulative: batchTotals.bounds.map(() => 0), sum: 0, count: 0 },
  }
}

interface Grouped {
  bounds: (number | null)[]
  groups: Map<string, HistogramTotals>
}

/** Sums a histogram's series by one label (or all together when `by` is undefined). */
function histogramTotals<T extends string>(values: MetricValue<T>[], by: T | undefined): Grouped {
  const bounds: (number | null)[] = []
  const groups = new Map<string, HistogramTotals>()
  const groupOf = (labels: Partial<LabelValues<T>>): HistogramTotals => {
    const key = by === undefined ? '' : String(labels[by] ?? '')
    let group = groups.get(key)
    if (group === undefined) {
      group = { cumulative: [], sum: 0, count: 0 }
      groups.set(key, group)
    }
    return group
  }
  for (const value of values) {
    const name = 'metricName' in value ? String(value.metricName) : ''
    const labels = value.labels as Partial<LabelValues<T>> & { le?: string | number }
    const group = groupOf(labels)
    if (name.endsWith('_sum')) group.sum += value.value
    else if (name.endsWith('_count')) group.count += value.value
    else if (name.endsWith('_bucket') && labels.le !== undefined) {
      const bound = labels.le === '+Inf' ? null : Number(labels.le)
      let index = bounds.indexOf(bound)
      if (index === -1) index = bounds.push(bound) - 1
      group.cumulative[index] = (group.cumulative[index] ?? 0) + value.value
    }
  }
  return { bounds, groups }
}

import cluster from 'node:cluster'
import { randomUUID } from 'node:crypto'
import { AggregatorRegistry, type Registry } from 'prom-client'
import type { Logger } from './logger.js'

/** One metric as getMetricsAsJSON() gives it, which is what crosses the IPC channel. */
type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number]

/** IPC between workers and the primary about scrapes; `portcullisMetrics` tells them from other messages. */
type MetricsMessage =
  | { portcullisMetrics: 'scrape'; id: string }
  | { portcullisMetrics: 'collect'; id: string }
  | { portcullisMetrics: 'report'; id: string; metrics: MetricJson[] }
  | { portcullisMetrics: 'text'; id: string; text: string }

/** Series about the process itself (CPU, memory, event loop, GC): kept per worker, labelled `worker`, never summed. */
const PER_PROCESS = /^portcullis_(process|nodejs)_/

const COLLECT_TIMEOUT_MS = 3_000

/**
 * The scrape function of this process. A lone process renders its own registry; a worker asks
 * the primary, which gathers every worker's metrics and sums them, so one scrape through any
 * worker counts every request once.
 */
export function createScrape(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics()
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message) || message.portcullisMetrics !== 'collect') return
    // A worker that cannot read its registry sends nothing; the primary leaves it out after its timeout.
    registry.getMetricsAsJSON().then(
      (metrics) => send({ portcullisMetrics: 'report', id: message.id, metrics }),
      () => undefined,
    )
  })
  const waiting = new Map<string, (text: string) => void>()
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message) || message.portcullisMetrics !== 'text') return
    waiting.get(message.id)?.(message.text)
  })
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID()
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error('the cluster primary did not answer the scrape'))
      }, COLLECT_TIMEOUT_MS * 2)
      waiting.set(id, (text) => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve(text)
      })
      send({ portcullisMetrics: 'scrape', id })
    })
}

/**
 * The primary's side: on a worker's scrape, asks every live worker for its metrics, sums them
 * (prom-client's cluster aggregation; per-process series get a `worker` label instead) and
 * sends the text back. A worker that does not answer in time is left out and logged.
 */
export function hostClusterMetrics(logger: Logger): void {
  const collecting = new Map<string, { expected: number; reports: MetricJson[][]; finish: () => void }>()
  cluster.on('message', (worker, message: unknown) => {
    if (!isMetricsMessage(message)) return
    if (message.portcullisMetrics === 'report') {
      const round = collecting.get(message.id)
      if (round === undefined) return
      round.reports.push(labelPerProcess(message.metrics, String(worker.id)))
      if (round.reports.length === round.expected) round.finish()
      return
    }
    if (message.portcullisMetrics !== 'scrape') return
    const workers = Object.values(cluster.workers ?? {}).filter((live) => live !== undefined && live.isConnected())
    const round = { expected: workers.length, reports: [] as MetricJson[][], finish: () => {} }
    const timer = setTimeout(() => {
      logger.warn('a worker did not answer the scrape in time; its metrics are left out', { answered: round.reports.length, workers: round.expected })
      round.finish()
    }, COLLECT_TIMEOUT_MS)
    round.finish = () => {
      clearTimeout(timer)
      collecting.delete(message.id)
      // The primary must never die of a scrape: a failed aggregation is logged, and the asking worker answers 500 after its timeout.
      Promise.resolve()
        .then(() => AggregatorRegistry.aggregate(round.reports).metrics())
        .then(
          (text) => {
            if (worker.isConnected()) worker.send({ portcullisMetrics: 'text', id: message.id, text } satisfies MetricsMessage)
          },
          (err: Error) => logger.error("summing the workers' metrics failed", { reason: err.message }),
        )
    }
    collecting.set(message.id, round)
    for (const live of workers) live?.send({ portcullisMetrics: 'collect', id: message.id } satisfies MetricsMessage)
  })
}

/** Gives every per-process series a `worker` label, and sums the rest (each worker's series then stays apart). */
export function labelPerProcess(metrics: MetricJson[], worker: string): MetricJson[] {
  return metrics.map((metric) => {
    if (!PER_PROCESS.test(metric.name)) return metric
    const values = metric.values.map((value) => ({ ...value, labels: { ...value.labels, worker } }))
    return { ...metric, values, aggregator: 'sum' }
  })
}

function send(message: MetricsMessage): void {
  if (process.send !== undefined && process.connected) process.send(message)
}

function isMetricsMessage(message: unknown): message is MetricsMessage {
  return typeof message === 'object' && message !== null && 'portcullisMetrics' in message
}

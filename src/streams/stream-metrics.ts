import { Gauge, type Registry } from 'prom-client'
import { FastCounter } from '../observability/fast-counter.js'
import { FastHistogram } from '../observability/fast-histogram.js'

/** Per-stream metrics, labelled `{stream}` (the configured name). */
export interface StreamMetrics {
  messagesIn: FastCounter<'stream'>
  scored: FastCounter<'stream'>
  deadLettered: FastCounter<'stream' | 'code'>
  redelivered: FastCounter<'stream'>
  inFlight: Gauge<'stream'>
  /** Message taken → answer confirmed published, in seconds. */
  latency: FastHistogram<'stream'>
  /** 1 while the stream's broker connection is up. */
  up: Gauge<'stream'>
  /** Reconnects on which the broker no longer had the input session (what it held is lost). */
  sessionsLost: FastCounter<'stream'>
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const created = new WeakMap<Registry, StreamMetrics>()

/** The stream metrics of a registry, created on first use (the HTTP runtime and `portcullis stream` share the code). */
export function streamMetrics(registry: Registry): StreamMetrics {
  const known = created.get(registry)
  if (known !== undefined) return known
  const registers = [registry]
  const stream = ['stream'] as const
  const metrics: StreamMetrics = {
    messagesIn: new FastCounter({ name: 'portcullis_stream_messages_total', help: "Messages taken from a stream's input", labelNames: stream, registers }),
    scored: new FastCounter({ name: 'portcullis_stream_scored_total', help: 'Messages scored and their answer published', labelNames: stream, registers }),
    deadLettered: new FastCounter({
      name: 'portcullis_stream_dead_lettered_total',
      help: 'Messages sent to the dead letter, by error code',
      labelNames: ['stream', 'code'] as const,
      registers,
    }),
    redelivered: new FastCounter({ name: 'portcullis_stream_redelivered_total', help: 'Messages the broker delivered again (possible duplicates)', labelNames: stream, registers }),
    inFlight: new Gauge({ name: 'portcullis_stream_in_flight', help: 'Messages taken and not yet settled', labelNames: stream, registers }),
    latency: new FastHistogram({
      name: 'portcullis_stream_latency_seconds',
      help: 'Message taken to answer confirmed published',
      labelNames: stream,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    up: new Gauge({ name: 'portcullis_stream_up', help: "1 while the stream's broker connection is up", labelNames: stream, registers }),
    sessionsLost: new FastCounter({
      name: 'portcullis_stream_sessions_lost_total',
      help: 'Reconnects on which the broker no longer held the input session (messages it held are lost)',
      labelNames: stream,
      registers,
    }),
  }
  created.set(registry, metrics)
  return metrics
}

/** Creates a stream's series at zero, so dashboards show 0 rather than no data. */
export function zeroStream(metrics: StreamMetrics, name: string): void {
  const labels = { stream: name }
  metrics.messagesIn.inc(labels, 0)
  metrics.scored.inc(labels, 0)
  metrics.redelivered.inc(labels, 0)
  metrics.inFlight.set(labels, 0)
  metrics.up.set(labels, 0)
  metrics.sessionsLost.inc(labels, 0)
  metrics.latency.zero(labels)
}

import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { STAGES } from './stage-names.js'
import { AUTH_FAILURE_REASONS } from './auth-failure-reasons.js'
import { FastCounter } from './fast-counter.js'
import { FastHistogram } from './fast-histogram.js'

/** The values of `portcullis_cache_requests_total{result}`. */
const CACHE_RESULTS = ['hit', 'miss', 'bypass'] as const

/** One cache lookup outcome. */
export type CacheResult = (typeof CACHE_RESULTS)[number]

/** The values of `portcullis_rate_limited_total{limit}`: the pipeline's limits, by name. */
export const RATE_LIMITS = ['anonymous', 'auth_failures', 'predict', 'admin', 'subject', 'git_hook'] as const

/** Every metric of the service, on one registry (design.md, "Parts"). */
export interface Metrics {
  registry: Registry
  httpRequests: FastCounter<'method' | 'route' | 'status'>
  httpDuration: FastHistogram<'method' | 'route'>
  stageDuration: FastHistogram<'stage' | 'door'>
  authFailures: FastCounter<'reason'>
  rateLimited: FastCounter<'limit'>
  errors: FastCounter<'code'>
  cacheRequests: FastCounter<'result'>
  inferenceDuration: FastHistogram<'model' | 'version'>
  batchSize: FastHistogram<'model'>
  modelLoaded: Gauge<'model' | 'version'>
  modelLoadFailures: FastCounter<'model'>
  predictions: FastCounter<'model' | 'version' | 'label'>
  predictionConfidence: FastHistogram<'model'>
  shadowAgreement: FastCounter<'model' | 'result'>
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
const CONFIDENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1]

/** Creates the registry and every metric; `defaults` adds the process metrics. */
export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'portcullis_' })
  const registers = [registry]
  const metrics: Metrics = { registry, ...requestMetrics(registers), ...modelMetrics(registers) }
  preallocate(metrics)
  return metrics
}

type Registers = Registry[]

/** What a request passes through: HTTP, stages, auth, limits, errors, cache. */
function requestMetrics(registers: Registers): Pick<Metrics, 'httpRequests' | 'httpDuration' | 'stageDuration' | 'authFailures' | 'rateLimited' | 'errors' | 'cacheRequests'> {
  return {
    httpRequests: new FastCounter({
      name: 'portcullis_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new FastHistogram({
      name: 'portcullis_http_request_duration_seconds',
      help: 'HTTP request latency by method and route template',
      labelNames: ['method', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    stageDuration: new FastHistogram({
      name: 'portcullis_stage_duration_seconds',
      help: 'Time spent in each pipeline stage, excluding the stages after it, by the door the request came through',
      labelNames: ['stage', 'door'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    authFailures: new FastCounter({ name: 'portcullis_auth_failures_total', help: 'Rejected authentications by fixed reason code', labelNames: ['reason'] as const, registers }),
    rateLimited: new FastCounter({ name: 'portcullis_rate_limited_total', help: 'Requests refused by a rate limit, by limit name', labelNames: ['limit'] as const, registers }),
    errors: new FastCounter({ name: 'portcullis_errors_total', help: 'Error responses by error code', labelNames: ['code'] as const, registers }),
    cacheRequests: new FastCounter({
      name: 'portcullis_cache_requests_total',
      help: 'Prediction cache lookups: hit, miss, or bypass (Cache-Control: no-cache)',
      labelNames: ['result'] as const,
      registers,
    }),
  }
}

/** What the models do: inference, batches, loads, predictions, shadows. */
function modelMetrics(registers: Registers): Omit<Metrics, 'registry' | keyof ReturnType<typeof requestMetrics>> {
  return {
    inferenceDuration: new FastHistogram({
      name: 'portcullis_inference_duration_seconds',
      help: 'ONNX session run time by model and version',
      labelNames: ['model', 'version'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    batchSize: new FastHistogram({ name: 'portcullis_batch_size', help: 'Rows per ONNX session run', labelNames: ['model'] as const, buckets: BATCH_BUCKETS, registers }),
    modelLoaded: new Gauge({
      name: 'portcullis_model_loaded',
      help: '1 when a model version is loaded and ready (under --workers: on every worker)',
      aggregator: 'min',
      labelNames: ['model', 'version'] as const,
      registers,
    }),
    modelLoadFailures: new FastCounter({ name: 'portcullis_model_load_failures_total', help: 'Failed model version loads', labelNames: ['model'] as const, registers }),
    predictions: new FastCounter({
      name: 'portcullis_predictions_total',
      help: "Predicted rows by model, version and label (labels from the model's own set only)",
      labelNames: ['model', 'version', 'label'] as const,
      registers,
    }),
    predictionConfidence: new FastHistogram({
      name: 'portcullis_prediction_confidence',
      help: 'Top-class probability per predicted row',
      labelNames: ['model'] as const,
      buckets: CONFIDENCE_BUCKETS,
      registers,
    }),
    shadowAgreement: new FastCounter({
      name: 'portcullis_shadow_agreement_total',
      help: 'Shadow answers compared with the primary: agree, disagree, error, or dropped (shadow queue full)',
      labelNames: ['model', 'result'] as const,
      registers,
    }),
  }
}

/**
 * portcullis_store_up, 1 while the shared store (Redis) is connected: registered only when one is
 * configured, so a gateway without Redis shows no outage it cannot have.
 */
export function createStoreUpGauge(registry: Registry): Gauge {
  return new Gauge({ name: 'portcullis_store_up', help: '1 while the shared store (Redis) is connected, 0 while it is not', registers: [registry] })
}

/**
 * Creates every series whose label values are a fixed set, at zero: a dashboard then shows 0
 * instead of "no data", and rate() sees the first increment (prometheus.io, "Avoid missing metrics").
 */
function preallocate(metrics: Metrics): void {
  // HTTP is the door every deployment has; the other doors' series appear with their first request.
  for (const stage of STAGES) metrics.stageDuration.zero({ stage, door: 'http' })
  for (const reason of AUTH_FAILURE_REASONS) metrics.authFailures.inc({ reason }, 0)
  for (const result of CACHE_RESULTS) metrics.cacheRequests.inc({ result }, 0)
  for (const limit of RATE_LIMITS) metrics.rateLimited.inc({ limit }, 0)
}

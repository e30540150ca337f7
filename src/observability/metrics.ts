import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { STAGES } from '../http/stage-names.js'

/** Every metric of the service, on one registry (design.md, "Parts"). */
export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  stageDuration: Histogram<'stage'>
  authFailures: Counter<'reason'>
  rateLimited: Counter<'limit'>
  errors: Counter<'code'>
  inferenceDuration: Histogram<'model' | 'version'>
  modelLoaded: Gauge<'model' | 'version'>
  modelLoadFailures: Counter<'model'>
  predictions: Counter<'model' | 'version' | 'label'>
  predictionConfidence: Histogram<'model'>
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** Creates the registry and every metric; `defaults` adds the process metrics. */
export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry, prefix: 'portcullis_' })
  const registers = [registry]
  const stageDuration = new Histogram({
    name: 'portcullis_stage_duration_seconds',
    help: 'Time spent in each pipeline stage, excluding the stages after it',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  })
  // Preallocate one child per stage so the hot path never creates label sets.
  for (const stage of STAGES) stageDuration.labels(stage)
  return {
    registry,
    httpRequests: new Counter({ name: 'portcullis_http_requests_total', help: 'HTTP requests by route template and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    httpDuration: new Histogram({ name: 'portcullis_http_request_duration_seconds', help: 'HTTP request latency by route template', labelNames: ['method', 'route'] as const, buckets: LATENCY_BUCKETS, registers }),
    stageDuration,
    authFailures: new Counter({ name: 'portcullis_auth_failures_total', help: 'Rejected authentications by reason', labelNames: ['reason'] as const, registers }),
    rateLimited: new Counter({ name: 'portcullis_rate_limited_total', help: 'Requests refused by a rate limit', labelNames: ['limit'] as const, registers }),
    errors: new Counter({ name: 'portcullis_errors_total', help: 'Error responses by error code', labelNames: ['code'] as const, registers }),
    inferenceDuration: new Histogram({ name: 'portcullis_inference_duration_seconds', help: 'ONNX session run time', labelNames: ['model', 'version'] as const, buckets: LATENCY_BUCKETS, registers }),
    modelLoaded: new Gauge({ name: 'portcullis_model_loaded', help: '1 when a model version is loaded and ready', labelNames: ['model', 'version'] as const, registers }),
    modelLoadFailures: new Counter({ name: 'portcullis_model_load_failures_total', help: 'Failed model loads', labelNames: ['model'] as const, registers }),
    predictions: new Counter({ name: 'portcullis_predictions_total', help: 'Predicted rows by label', labelNames: ['model', 'version', 'label'] as const, registers }),
    predictionConfidence: new Histogram({ name: 'portcullis_prediction_confidence', help: 'Top-class probability per predicted row', labelNames: ['model'] as const, buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1], registers }),
  }
}

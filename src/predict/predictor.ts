import ort from 'onnxruntime-node'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { CacheResult, Metrics } from '../observability/metrics.js'
import { timeStage, timeStageSync } from '../observability/stage-timer.js'
import { MicroBatcher, type BatcherOptions } from './batcher.js'
import type { PredictionCache } from './cache.js'
import { endOfTurn } from './end-of-turn.js'
import type { FeatureRows } from './input-schema.js'
import { argMax, planOutputs, tensorRows, type OutputPlan } from './outputs.js'
import type { Prediction } from './prediction.js'

/** Options of one prediction call. */
export interface PredictOptions {
  /** Skip the cache lookup (client sent `Cache-Control: no-cache`); the answer is still stored. */
  bypassCache?: boolean
  /** A shadow copy (src/predict/shadow.ts): straight to the session, with no cache, batching or prediction metrics. */
  shadow?: boolean
  /** Told the cache's answer for this call (hit, miss or bypass), for an `X-Cache` response header. */
  onCache?: (result: CacheResult) => void
}

/** Runs validated rows through a version: cache lookup → session → cache store. */
export class Predictor {
  readonly #plans = new WeakMap<LoadedVersion, OutputPlan>()
  readonly #batchers = new WeakMap<LoadedVersion, MicroBatcher<number[], Prediction> | null>()

  constructor(
    private readonly metrics: Metrics,
    private readonly cache?: PredictionCache,
    /** Micro-batching defaults (model.yaml `batching` overrides them per model); none runs each request alone. */
    private readonly batching?: BatcherOptions & { enabled: boolean },
  ) {}

  /** Predicts every row; callers have already authenticated, authorized and validated. */
  async predict(version: LoadedVersion, rows: FeatureRows, options: PredictOptions = {}): Promise<Prediction> {
    if (options.shadow === true) return this.#run(version, rows)
    const key = this.cache?.key(version, rows)
    if (this.cache !== undefined && key !== undefined) {
      if (options.bypassCache === true) {
        this.metrics.cacheRequests.labels('bypass').inc()
        options.onCache?.('bypass')
      } else {
        const hit = timeStageSync(this.metrics, 'cache_lookup', () => this.cache?.get(key))
        this.metrics.cacheRequests.labels(hit === undefined ? 'miss' : 'hit').inc()
        options.onCache?.(hit === undefined ? 'miss' : 'hit')
        if (hit !== undefined) {
          this.#count(version, hit)
          await endOfTurn()
          return hit
        }
      }
    }
    const batcher = this.#batcher(version)
    // The batcher times queue_wait and inference itself, per request.
    const prediction = batcher === null
      ? await timeStage(this.metrics, 'inference', () => this.#run(version, rows))
      : await batcher.submit(rows)
    if (this.cache !== undefined && key !== undefined) {
      timeStageSync(this.metrics, 'cache_store', () => this.cache?.set(key, prediction))
    }
    this.#count(version, prediction)
    return prediction
  }

  async #run(version: LoadedVersion, rows: FeatureRows): Promise<Prediction> {
    const input = version.inputs[0]
    if (input === undefined) throw new Error(`model ${version.model} has no input`)
    const width = version.featureCount
    const data = input.dtype === 'float64' ? new Float64Array(rows.length * width) : new Float32Array(rows.length * width)
    rows.forEach((row, index) => data.set(row, index * width))
    const tensor = new ort.Tensor(input.dtype === 'float64' ? 'float64' : 'float32', data, [rows.length, width])
    this.metrics.batchSize.labels(version.model).observe(rows.length)
    const end = this.metrics.inferenceDuration.labels(version.model, version.version).startTimer()
    const results = await version.session.run({ [input.name]: tensor }).finally(end)
    return this.#shape(version, results, rows.length)
  }

  /** The version's batcher, made on first use; null when batching is off for it. */
  #batcher(version: LoadedVersion): MicroBatcher<number[], Prediction> | null {
    let batcher = this.#batchers.get(version)
    if (batcher === undefined) {
      const options = this.batching === undefined ? undefined : { ...this.batching, ...version.metadata.batching }
      batcher = options?.enabled === true ? new MicroBatcher((rows) => this.#run(version, rows), slicePrediction, options, this.#observer()) : null
      this.#batchers.set(version, batcher)
    }
    return batcher
  }

  #observer() {
    const queueWait = this.metrics.stageDuration.labels('queue_wait')
    const inference = this.metrics.stageDuration.labels('inference')
    return {
      queueWait: (seconds: number) => queueWait.observe(seconds),
      batchDone: (_rows: number, requests: number, seconds: number) => {
        for (let i = 0; i < requests; i += 1) inference.observe(seconds)
      },
    }
  }

  #shape(version: LoadedVersion, results: ort.InferenceSession.ReturnType, count: number): Prediction {
    const plan = this.#plan(version)
    const labels = version.metadata.labels
    const probabilities = plan.probabilities === undefined ? undefined : tensorRows(results[plan.probabilities] as ort.Tensor, count)
    let predictions: Prediction['predictions']
    if (plan.label !== undefined) {
      const tensor = results[plan.label] as ort.Tensor
      predictions = Array.from({ length: count }, (_, row) => labelOf(tensor.data[row], labels))
    } else if (probabilities !== undefined) {
      predictions = probabilities.map((row) => labelOf(argMax(row), labels))
    } else {
      const first = results[version.outputs[0]?.name ?? ''] as ort.Tensor
      predictions = tensorRows(first, count).map((row) => (row.length === 1 ? (row[0] ?? NaN) : row))
    }
    return { model: version.model, version: version.version, predictions, ...(probabilities ? { probabilities } : {}) }
  }

  #plan(version: LoadedVersion): OutputPlan {
    let plan = this.#plans.get(version)
    if (plan === undefined) {
      plan = planOutputs(version)
      this.#plans.set(version, plan)
    }
    return plan
  }

  #count(version: LoadedVersion, prediction: Prediction): void {
    const labels = version.metadata.labels
    if (labels === undefined) return
    prediction.predictions.forEach((label, row) => {
      // Only labels from the model's own set become label values (design.md, invariant 6).
      if (typeof label === 'string' && labels.includes(label)) this.metrics.predictions.labels(version.model, version.version, label).inc()
      const top = prediction.probabilities?.[row]
      if (top !== undefined) this.metrics.predictionConfidence.labels(version.model).observe(Math.max(...top))
    })
  }
}

/** One request's rows out of a batch's prediction. */
function slicePrediction(batch: Prediction, start: number, count: number): Prediction {
  const end = start + count
  const probabilities = batch.probabilities?.slice(start, end)
  return { model: batch.model, version: batch.version, predictions: batch.predictions.slice(start, end), ...(probabilities ? { probabilities } : {}) }
}

function labelOf(value: unknown, labels: readonly string[] | undefined): string | number {
  if (typeof value === 'string') return value
  const index = Number(value)
  return labels?.[index] ?? index
}

import type { LoadedVersion } from '../models/loaded-version.js'
import type { Door } from '../observability/doors.js'
import type { Metrics } from '../observability/metrics.js'
import { timeStage, timeStageSync } from '../observability/stage-timer.js'
import { MicroBatcher, type BatchObserver, type BatcherOptions } from './batcher.js'
import type { PredictionCache } from './cache.js'
import { endOfTurn } from './end-of-turn.js'
import { countPredictions } from './row-answer.js'
import type { ShadowMirror } from './shadow.js'
import { batchRows, concatRows, inputsByRow, outputsByRow, rowShapeKey, sliceRows, tensorOutputs, type Tensors } from './tensors.js'

/** A copy of a request for the version's shadow (model.yaml `shadow`), run after the primary answered. */
export interface ShadowCall {
  version: LoadedVersion
  /** The same input, checked for the shadow version; may throw, which counts as a shadow error. */
  feeds: () => Tensors
  /** True when the shadow's outputs match the primary's, as the door compares them. */
  agree: (primary: Tensors, shadow: Tensors) => boolean
}

/** One call into the core: the door it came through, and what it asks besides the tensors. */
export interface InferCall {
  door: Door
  /** Skip the cache lookup (`Cache-Control: no-cache`); the answer is still stored. */
  bypassCache?: boolean
  shadow?: ShadowCall
  /** Told whether the answer came from the cache (HTTP says so in `X-Cache`). */
  onCache?: (result: CacheResult) => void
}

/** What the cache did for one call. */
export type CacheResult = 'hit' | 'miss' | 'bypass'

/** What the core is built from; each part is optional, as the config may turn it off. */
export interface InferenceCoreOptions {
  metrics: Metrics
  cache?: PredictionCache
  /** Micro-batching defaults (model.yaml `batching` overrides them per model); none runs each request alone. */
  batching?: BatcherOptions & { enabled: boolean }
  shadows?: ShadowMirror
}

/** One queued request: its feeds, and the door whose stage histograms its waits go to. */
interface QueuedFeeds {
  feeds: Tensors
  door: Door
}

type FeedsBatcher = MicroBatcher<QueuedFeeds, Tensors>

/** Row shapes of one version that get a batcher of their own. */
const MAX_ROW_SHAPES = 16

/**
 * The one prediction core: named input tensors of a loaded version in, named output tensors
 * out, through the cache (model, version, digest and the exact input bytes), the micro-batcher
 * (along the batch dimension, for a version whose inputs and outputs all have a dynamic first
 * dimension), the shadow hook and the inference metrics. Every door (HTTP v1 rows, HTTP v2
 * tensors, streams, files, the console) calls this, so an input is computed once whichever door
 * sent it. Callers have authenticated, authorized and validated; errors are ApiErrors.
 */
export class InferenceCore {
  readonly #batchers = new WeakMap<LoadedVersion, Map<string, FeedsBatcher | null>>()
  readonly #fetches = new WeakMap<LoadedVersion, string[]>()

  constructor(private readonly options: InferenceCoreOptions) {}

  /** Every tensor output of the version for these feeds. */
  async infer(version: LoadedVersion, feeds: Tensors, call: InferCall): Promise<Tensors> {
    const { cache, metrics } = this.options
    const key = cache?.key(version, feeds)
    if (cache !== undefined && key !== undefined) {
      if (call.bypassCache === true) {
        metrics.cacheRequests.labels('bypass').inc()
        call.onCache?.('bypass')
      } else {
        const hit = timeStageSync(metrics, 'cache_lookup', call.door, () => cache.get(key))
        metrics.cacheRequests.labels(hit === undefined ? 'miss' : 'hit').inc()
        call.onCache?.(hit === undefined ? 'miss' : 'hit')
        if (hit !== undefined) {
          countPredictions(metrics, version, hit)
          this.#mirror(version, hit, call.shadow)
          await endOfTurn()
          return hit
        }
      }
    }
    const outputs = await this.#compute(version, feeds, call.door)
    if (cache !== undefined && key !== undefined) timeStageSync(metrics, 'cache_store', call.door, () => cache.set(key, outputs))
    countPredictions(metrics, version, outputs)
    this.#mirror(version, outputs, call.shadow)
    return outputs
  }

  /** Through the version's batcher when it has one; the batcher times queue_wait and inference itself. */
  #compute(version: LoadedVersion, feeds: Tensors, door: Door): Promise<Tensors> {
    const rows = batchRows(feeds)
    const batcher = rows === undefined ? null : this.#batcher(version, feeds)
    if (batcher === null || rows === undefined) return timeStage(this.options.metrics, 'inference', door, () => this.#run(version, feeds))
    return batcher.submit([{ feeds, door }], rows)
  }

  /** One session run, with its batch size and duration recorded. */
  async #run(version: LoadedVersion, feeds: Tensors): Promise<Tensors> {
    const { metrics } = this.options
    metrics.batchSize.labels(version.model).observe(batchRows(feeds) ?? 1)
    const end = metrics.inferenceDuration.labels(version.model, version.version).startTimer()
    const results = await version.session.run(feeds, this.#fetchesOf(version)).finally(end)
    const outputs: Record<string, Tensors[string]> = {}
    for (const name of this.#fetchesOf(version)) {
      const tensor = results[name]
      if (tensor === undefined) throw new Error(`the session returned no output ${name}`)
      outputs[name] = tensor
    }
    return outputs
  }

  /** The batcher for requests of this version whose rows have this shape; null when batching is off or impossible. */
  #batcher(version: LoadedVersion, feeds: Tensors): FeedsBatcher | null {
    let byShape = this.#batchers.get(version)
    if (byShape === undefined) {
      byShape = new Map()
      this.#batchers.set(version, byShape)
    }
    const shape = rowShapeKey(feeds)
    let batcher = byShape.get(shape)
    // A model with dynamic dimensions after the batch one gets a batcher per row shape clients
    // send; past a few, requests run alone rather than let clients grow this map.
    if (batcher === undefined && byShape.size >= MAX_ROW_SHAPES) return null
    if (batcher === undefined) {
      const batching = this.options.batching === undefined ? undefined : { ...this.options.batching, ...version.metadata.batching }
      const byRow = inputsByRow(version) && outputsByRow(version, this.#fetchesOf(version))
      batcher =
        batching?.enabled === true && byRow
          ? new MicroBatcher((queued: QueuedFeeds[]) => this.#run(version, concatRows(queued.map((entry) => entry.feeds))), sliceRows, batching, this.#observer())
          : null
      byShape.set(shape, batcher)
    }
    return batcher
  }

  #observer(): BatchObserver<QueuedFeeds> {
    const { stageDuration } = this.options.metrics
    return {
      queueWait: (seconds, request) => stageDuration.labels('queue_wait', request[0]?.door ?? 'http').observe(seconds),
      batchDone: (_rows, requests, seconds) => {
        for (const request of requests) stageDuration.labels('inference', request[0]?.door ?? 'http').observe(seconds)
      },
    }
  }

  #fetchesOf(version: LoadedVersion): string[] {
    let fetches = this.#fetches.get(version)
    if (fetches === undefined) {
      fetches = tensorOutputs(version)
      this.#fetches.set(version, fetches)
    }
    return fetches
  }

  /** Starts the shadow copy off the request path: straight to the session, no cache, batching or prediction metrics. */
  #mirror(version: LoadedVersion, primary: Tensors, shadow: ShadowCall | undefined): void {
    const shadows = this.options.shadows
    if (shadow === undefined || shadows === undefined) return
    shadows.mirror({
      model: version.model,
      version: shadow.version.version,
      primary,
      run: () => this.#run(shadow.version, shadow.feeds()),
      agree: shadow.agree,
    })
  }
}

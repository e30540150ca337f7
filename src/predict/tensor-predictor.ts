import { LRUCache } from 'lru-cache'
import ort from 'onnxruntime-node'
import type { LoadedVersion } from '../models/loaded-version.js'
import { oipDatatype } from '../models/tensor-io.js'
import type { Metrics } from '../observability/metrics.js'
import { timeStage, timeStageSync } from '../observability/stage-timer.js'
import { endOfTurn } from './end-of-turn.js'
import type { CheckedTensor, TensorRequest, TensorValue } from './tensor-input.js'

/** One output tensor of an answer, as the Open Inference Protocol sends it. */
export interface OutputTensor {
  name: string
  datatype: string
  shape: number[]
  data: TensorValue[]
}

/** The outputs of one inference on one version. */
export interface TensorAnswer {
  model: string
  version: string
  outputs: OutputTensor[]
}

/** Bounds of the tensor answer cache. */
export interface TensorCacheOptions {
  maxEntries: number
  maxBytes: number
  ttlMs?: number
}

/** Options of one inference. */
export interface InferOptions {
  /** Skip the cache lookup (`Cache-Control: no-cache`); the answer is still stored. */
  bypassCache?: boolean
  /** A shadow copy (src/predict/shadow.ts): no cache lookup or store, no cache metrics. */
  shadow?: boolean
}

/**
 * Runs checked tensors through a version: cache lookup → session → cache store, timed in the same
 * stages as the v1 Predictor. The cache is keyed by model, version digest and the canonical
 * request, so a swapped version never serves an old answer.
 */
export class TensorPredictor {
  readonly #cache: LRUCache<string, TensorAnswer> | undefined

  constructor(
    private readonly metrics: Metrics,
    cache?: TensorCacheOptions,
  ) {
    this.#cache = cache === undefined ? undefined : new LRUCache<string, TensorAnswer>({
      max: cache.maxEntries,
      maxSize: cache.maxBytes,
      // As the v1 cache: one large answer may not push out many small ones.
      maxEntrySize: Math.max(1, Math.floor(cache.maxBytes / 16)),
      sizeCalculation: (value, key) => key.length * 2 + value.outputs.reduce((sum, output) => sum + 16 * output.data.length + 64, 0),
      ttl: cache.ttlMs ?? 0,
    })
  }

  /** Infers one request; the caller has authenticated, authorized and validated it. */
  async infer(version: LoadedVersion, request: TensorRequest, options: InferOptions = {}): Promise<TensorAnswer> {
    const cache = options.shadow === true ? undefined : this.#cache
    const key = `${version.model}\u0000${version.digest}\u0000${request.key}`
    if (cache !== undefined) {
      if (options.bypassCache === true) {
        this.metrics.cacheRequests.labels('bypass').inc()
      } else {
        const hit = timeStageSync(this.metrics, 'cache_lookup', () => cache.get(key))
        this.metrics.cacheRequests.labels(hit === undefined ? 'miss' : 'hit').inc()
        if (hit !== undefined) {
          await endOfTurn()
          return hit
        }
      }
    }
    const answer = options.shadow === true ? await this.#run(version, request) : await timeStage(this.metrics, 'inference', () => this.#run(version, request))
    if (cache !== undefined) timeStageSync(this.metrics, 'cache_store', () => cache.set(key, answer))
    return answer
  }

  async #run(version: LoadedVersion, request: TensorRequest): Promise<TensorAnswer> {
    const feeds: Record<string, ort.Tensor> = {}
    for (const input of request.inputs) feeds[input.name] = toOrtTensor(input)
    this.metrics.batchSize.labels(version.model).observe(request.inputs[0]?.shape[0] ?? 1)
    const end = this.metrics.inferenceDuration.labels(version.model, version.version).startTimer()
    const results = await version.session.run(feeds, request.outputs).finally(end)
    const outputs = request.outputs.map((name) => fromOrtTensor(name, results[name]))
    return { model: version.model, version: version.version, outputs }
  }
}

function toOrtTensor(input: CheckedTensor): ort.Tensor {
  const values = input.values
  const numbers = values as number[]
  switch (input.dtype) {
    case 'float32': return new ort.Tensor('float32', Float32Array.from(numbers), input.shape)
    case 'float64': return new ort.Tensor('float64', Float64Array.from(numbers), input.shape)
    case 'int8': return new ort.Tensor('int8', Int8Array.from(numbers), input.shape)
    case 'uint8': return new ort.Tensor('uint8', Uint8Array.from(numbers), input.shape)
    case 'int16': return new ort.Tensor('int16', Int16Array.from(numbers), input.shape)
    case 'uint16': return new ort.Tensor('uint16', Uint16Array.from(numbers), input.shape)
    case 'int32': return new ort.Tensor('int32', Int32Array.from(numbers), input.shape)
    case 'uint32': return new ort.Tensor('uint32', Uint32Array.from(numbers), input.shape)
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from(numbers, BigInt), input.shape)
    case 'uint64': return new ort.Tensor('uint64', BigUint64Array.from(numbers, BigInt), input.shape)
    case 'bool': return new ort.Tensor('bool', Uint8Array.from(values, (value) => (value === true ? 1 : 0)), input.shape)
    case 'string': return new ort.Tensor('string', values as string[], input.shape)
    default: throw new Error(`no tensor conversion for ${input.dtype}`)
  }
}

function fromOrtTensor(name: string, tensor: ort.Tensor | undefined): OutputTensor {
  if (tensor === undefined) throw new Error(`the session returned no output ${name}`)
  const datatype = oipDatatype(tensor.type) ?? tensor.type
  const data = tensor.data
  let values: TensorValue[]
  if (tensor.type === 'bool') values = Array.from(data as Uint8Array, (value) => value !== 0)
  else if (tensor.type === 'string') values = [...(data as string[])]
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) values = Array.from(data, Number)
  else if (tensor.type === 'float32') values = Array.from(data as Float32Array, shortestFloat32)
  else values = Array.from(data as ArrayLike<number>)
  return { name, datatype, shape: tensor.dims.map(Number), data: values }
}

/**
 * The shortest decimal that reads back as the same float32: 1.0000001 rather than its double
 * expansion 1.0000001192092896, and still exact, unlike a fixed 7 digits.
 */
function shortestFloat32(value: number): number {
  for (let digits = 6; digits < 9; digits += 1) {
    const shorter = Number(value.toPrecision(digits))
    if (Math.fround(shorter) === value) return shorter
  }
  return Number(value.toPrecision(9))
}

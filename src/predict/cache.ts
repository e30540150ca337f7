import { LRUCache } from 'lru-cache'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { Prediction } from './prediction.js'

/** What a key is made of: the version's identity and its input's type. */
export type CacheKeyVersion = Pick<LoadedVersion, 'model' | 'version' | 'digest' | 'inputs'>

/** Bounds of the prediction cache. */
export interface PredictionCacheOptions {
  maxEntries: number
  /** Estimated bytes of keys and answers together (see estimateEntryBytes). */
  maxBytes: number
  /** Answers expire after this long; 0 or absent keeps them until evicted. */
  ttlMs?: number
}

/**
 * The prediction cache, keyed by model, version, digest and canonical input. Every LoadedVersion
 * gets its own serial in the key: a reload builds a new version object (design.md, invariant 4),
 * so a swapped version, even one with the same file and new labels, can never serve the old
 * version's answers.
 */
export class PredictionCache {
  readonly #lru: LRUCache<string, Prediction>
  readonly #serials = new WeakMap<CacheKeyVersion, number>()
  #nextSerial = 1

  constructor(options: PredictionCacheOptions) {
    this.#lru = new LRUCache<string, Prediction>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // One large answer must not flush the whole cache.
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 16)),
      sizeCalculation: (value, key) => estimateEntryBytes(key, value),
      ttl: options.ttlMs === undefined || options.ttlMs === 0 ? undefined : options.ttlMs,
    })
  }

  /**
   * The key of one request's validated rows: the bytes of the tensor the session will receive,
   * float64 for a float64 input and float32 otherwise (as Predictor builds it), one byte per
   * character. Exact, since values that round to the same float32 are the same input to a float32
   * model, and a tenth of the cost of JSON.stringify for a 256-value row.
   */
  key(version: CacheKeyVersion, rows: readonly (readonly number[])[]): string {
    const width = rows[0]?.length ?? 0
    const values = version.inputs[0]?.dtype === 'float64' ? new Float64Array(rows.length * width) : new Float32Array(rows.length * width)
    rows.forEach((row, index) => values.set(row, index * width))
    const input = Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('latin1')
    return `${version.model}\u0000${version.version}\u0000${version.digest.slice(0, 16)}\u0000${this.#serial(version)}\u0000${rows.length}\u0000${input}`
  }

  /** The stored answer, or undefined. */
  get(key: string): Prediction | undefined {
    return this.#lru.get(key)
  }

  /** Stores an answer; one larger than a sixteenth of maxBytes is not kept. */
  set(key: string, value: Prediction): void {
    this.#lru.set(key, value)
  }

  /** Entries held. */
  get size(): number {
    return this.#lru.size
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#lru.calculatedSize
  }

  #serial(version: CacheKeyVersion): number {
    let serial = this.#serials.get(version)
    if (serial === undefined) {
      serial = this.#nextSerial++
      this.#serials.set(version, serial)
    }
    return serial
  }
}

// V8 on 64 bits: a sequential one-byte string is a 16-byte header plus its characters; an array
// is a 32-byte JSArray plus a 16-byte backing store header and 8 bytes per element (doubles are
// unboxed in packed double arrays); an lru-cache entry costs a Map entry and a slot in each of
// its parallel arrays.
const ENTRY_OVERHEAD = 96
const OBJECT_BYTES = 64

/** Estimated heap bytes of one cache entry: key, answer and bookkeeping. */
export function estimateEntryBytes(key: string, value: Prediction): number {
  let bytes = ENTRY_OVERHEAD + stringBytes(key) + OBJECT_BYTES + arrayBytes(value.predictions.length)
  for (const entry of value.predictions) {
    // Labels are shared with the model's metadata; only per-answer values count.
    if (Array.isArray(entry)) bytes += arrayBytes(entry.length)
  }
  if (value.probabilities !== undefined) {
    bytes += arrayBytes(value.probabilities.length)
    for (const row of value.probabilities) bytes += arrayBytes(row.length)
  }
  return bytes
}

function stringBytes(text: string): number {
  return 16 + Math.ceil(text.length / 8) * 8
}

function arrayBytes(length: number): number {
  return 48 + 8 * length
}

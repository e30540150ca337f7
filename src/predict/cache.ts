import { LRUCache } from 'lru-cache'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { Tensors } from './tensors.js'

/** What a key takes of a version: its identity. */
export type CacheKeyVersion = Pick<LoadedVersion, 'model' | 'version' | 'digest'>

/** Bounds of the prediction cache. */
export interface PredictionCacheOptions {
  maxEntries: number
  /** Estimated bytes of keys and answers together (see estimateEntryBytes). */
  maxBytes: number
  /** Answers expire after this long; 0 or absent keeps them until evicted. */
  ttlMs?: number
}

/**
 * The answer cache of the inference core: output tensors keyed by model, version, digest and the
 * exact input tensors. Every LoadedVersion
 * gets its own serial in the key: a reload builds a new version object (design.md, invariant 4),
 * so a swapped version, even one with the same file and new labels, can never serve the old
 * version's answers.
 */
export class PredictionCache {
  readonly #lru: LRUCache<string, Tensors>
  readonly #serials = new WeakMap<CacheKeyVersion, number>()
  #nextSerial = 1

  constructor(options: PredictionCacheOptions) {
    this.#lru = new LRUCache<string, Tensors>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // One large answer must not flush the whole cache.
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 16)),
      sizeCalculation: (value, key) => estimateEntryBytes(key, value),
      ttl: options.ttlMs === undefined || options.ttlMs === 0 ? undefined : options.ttlMs,
    })
  }

  /**
   * The key of one request's feeds: the version's identity, then every input by name with its
   * type, shape and the exact bytes the session receives, one byte per character. Rows sent to
   * /api/v1 and the same tensor sent to /v2 make the same key, so they are computed once.
   */
  key(version: CacheKeyVersion, feeds: Tensors): string {
    const inputs = Object.keys(feeds)
      .sort()
      .map((name) => {
        const tensor = feeds[name] as Tensors[string]
        return `${name}\u0000${tensor.type}\u0000${tensor.dims.join('x')}\u0000${tensorBytes(tensor.data)}`
      })
    return `${version.model}\u0000${version.version}\u0000${version.digest.slice(0, 16)}\u0000${this.#serial(version)}\u0000${inputs.join('\u0000')}`
  }

  /** The stored answer, or undefined. */
  get(key: string): Tensors | undefined {
    return this.#lru.get(key)
  }

  /** Stores an answer; one larger than a sixteenth of maxBytes is not kept. */
  set(key: string, value: Tensors): void {
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

// V8 on 64 bits: a sequential one-byte string is a 16-byte header plus its characters; a tensor
// is an object with a typed array (about 64 bytes of headers) plus its data; an lru-cache entry
// costs a Map entry and a slot in each of its parallel arrays.
const ENTRY_OVERHEAD = 96
const TENSOR_OVERHEAD = 160

/** Estimated heap bytes of one cache entry: key, output tensors and bookkeeping. */
export function estimateEntryBytes(key: string, value: Tensors): number {
  let bytes = ENTRY_OVERHEAD + stringBytes(key)
  for (const tensor of Object.values(value)) {
    const data = tensor.data
    bytes += TENSOR_OVERHEAD + (Array.isArray(data) ? data.reduce((sum: number, text: string) => sum + stringBytes(text) + 8, 0) : data.byteLength)
  }
  return bytes
}

/** A tensor's data as a string: its bytes one per character, or JSON for a string tensor. */
function tensorBytes(data: Tensors[string]['data']): string {
  if (Array.isArray(data)) return JSON.stringify(data)
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')
}

function stringBytes(text: string): number {
  return 16 + Math.ceil(text.length / 8) * 8
}

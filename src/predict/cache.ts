import { LRUCache } from 'lru-cache'
import type { Prediction } from './prediction.js'
import type { FeatureRows } from './input-schema.js'
import type { LoadedVersion } from '../models/loaded-version.js'

/** Bounds of the prediction cache. */
export interface PredictionCacheOptions {
  maxEntries: number
  maxBytes: number
  ttlMs?: number
}

/**
 * The prediction cache, keyed by model, version digest and canonical input: a swapped version has
 * a new digest, so it can never serve the old version's answers (design.md, "cache").
 */
export class PredictionCache {
  readonly #lru: LRUCache<string, Prediction>

  constructor(options: PredictionCacheOptions) {
    this.#lru = new LRUCache<string, Prediction>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // The key dominates an entry's size; answers are a few numbers per row.
      sizeCalculation: (value, key) => key.length * 2 + 64 * value.predictions.length,
      ttl: options.ttlMs,
    })
  }

  /** The key of one request: rows are already validated numbers, so JSON is canonical. */
  key(version: LoadedVersion, rows: FeatureRows): string {
    return `${version.model}\u0000${version.digest}\u0000${JSON.stringify(rows)}`
  }

  get(key: string): Prediction | undefined {
    return this.#lru.get(key)
  }

  set(key: string, value: Prediction): void {
    this.#lru.set(key, value)
  }

  get size(): number {
    return this.#lru.size
  }
}

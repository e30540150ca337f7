import type { Redis } from 'ioredis'
import { BoundedMap } from './bounded-map.js'
import type { StoreHealth } from './store-health.js'

/** Failures of one key in the current fixed window. */
export interface FailureCount {
  count: number
  /** When the window ends, milliseconds since the epoch. */
  resetAt: number
}

/**
 * Counts failures per key (a client address) in fixed windows: memory, or Redis across replicas.
 * `record` counts and answers in one step, so concurrent failures each see their own count and a
 * limit cannot be overrun by sending many at once.
 */
export interface FailureCounter {
  record(key: string): Promise<FailureCount>
}

/** An in-process failure counter, bounded in the number of keys it tracks. */
export class MemoryFailureCounter implements FailureCounter {
  readonly #windows: BoundedMap<string, FailureCount>

  constructor(
    private readonly windowMs: number,
    maxKeys: number,
  ) {
    this.#windows = new BoundedMap(maxKeys)
  }

  // No await between the read and the write: two failures can never both read the same count.
  async record(key: string): Promise<FailureCount> {
    const now = Date.now()
    const entry = this.#windows.get(key)
    const current = entry !== undefined && entry.resetAt > now ? entry : { count: 0, resetAt: now + this.windowMs }
    const next = { count: current.count + 1, resetAt: current.resetAt }
    this.#windows.set(key, next)
    return { ...next }
  }
}

// INCR, then start the window on the first failure; one round trip, atomic across replicas.
const RECORD_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`

/** A failure counter in Redis, shared by every replica; keys expire with their window. */
export class RedisFailureCounter implements FailureCounter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly windowMs: number,
    private readonly health?: StoreHealth,
  ) {}

  async record(key: string): Promise<FailureCount> {
    this.health?.assertAvailable()
    const [count, ttl] = (await this.redis.eval(RECORD_SCRIPT, 1, this.#key(key), this.windowMs)) as [number, number]
    return { count, resetAt: Date.now() + (ttl > 0 ? ttl : this.windowMs) }
  }

  #key(key: string): string {
    return `${this.keyPrefix}:auth-failures:${key}`
  }
}

/** The counter for `rateLimit.authFailures`: Redis when configured, else this process's memory. */
export function createFailureCounter(redis: Redis | undefined, keyPrefix: string, windowMs: number, maxKeys: number, health?: StoreHealth): FailureCounter {
  return redis === undefined ? new MemoryFailureCounter(windowMs, maxKeys) : new RedisFailureCounter(redis, keyPrefix, windowMs, health)
}

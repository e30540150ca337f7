import type { Redis } from 'ioredis'
import { BoundedMap } from './bounded-map.js'

/** Failures of one key in the current fixed window. */
export interface FailureCount {
  count: number
  /** When the window ends, milliseconds since the epoch. */
  resetAt: number
}

/** Counts failures per key (a client address) in fixed windows: memory, or Redis across replicas. */
export interface FailureCounter {
  peek(key: string): Promise<FailureCount>
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

  async peek(key: string): Promise<FailureCount> {
    const entry = this.#windows.get(key)
    return entry !== undefined && entry.resetAt > Date.now() ? { ...entry } : { count: 0, resetAt: Date.now() + this.windowMs }
  }

  async record(key: string): Promise<FailureCount> {
    const current = await this.peek(key)
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
  ) {}

  async peek(key: string): Promise<FailureCount> {
    const results = await this.redis.multi().get(this.#key(key)).pttl(this.#key(key)).exec()
    const count = Number(results?.[0]?.[1] ?? 0) || 0
    return { count, resetAt: Date.now() + this.#ttl(results?.[1]?.[1]) }
  }

  async record(key: string): Promise<FailureCount> {
    const [count, ttl] = (await this.redis.eval(RECORD_SCRIPT, 1, this.#key(key), this.windowMs)) as [number, number]
    return { count, resetAt: Date.now() + this.#ttl(ttl) }
  }

  #ttl(value: unknown): number {
    const ttl = Number(value)
    return ttl > 0 ? ttl : this.windowMs
  }

  #key(key: string): string {
    return `${this.keyPrefix}:auth-failures:${key}`
  }
}

/** The counter for `rateLimit.authFailures`: Redis when configured, else this process's memory. */
export function createFailureCounter(redis: Redis | undefined, keyPrefix: string, windowMs: number, maxKeys: number): FailureCounter {
  return redis === undefined ? new MemoryFailureCounter(windowMs, maxKeys) : new RedisFailureCounter(redis, keyPrefix, windowMs)
}

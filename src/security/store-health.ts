import type { Redis } from 'ioredis'
import type { Gauge } from 'prom-client'
import type { Logger } from '../observability/logger.js'

/** Thrown instead of sending a command while the shared store is known to be down. */
class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}

/** `connecting` until the first connection is ready; then `up` or `down` as the connection comes and goes. */
export type StoreState = 'connecting' | 'up' | 'down'

/** Options of StoreHealth. */
export interface StoreHealthOptions {
  logger: Logger
  /** portcullis_store_up: 1 while connected, 0 otherwise. */
  gauge: Gauge
}

/**
 * Follows the shared store's (Redis) connection, so callers fail fast while it is down instead of
 * queueing commands until they time out, and operators see the outage once: a gauge and one log
 * line per change of state, never one per request. ioredis reconnects by itself; the first `ready`
 * after an outage puts the store back in use.
 */
export class StoreHealth {
  #state: StoreState = 'connecting'
  #lastError = ''
  readonly #redis: Redis
  readonly #options: StoreHealthOptions
  readonly #onReady = (): void => this.#change('up')
  readonly #onClose = (): void => this.#change('down')
  // ioredis emits 'error' on every failed reconnect; keep only the reason for the one log line.
  readonly #onError = (err: Error): void => {
    this.#lastError = err.message
  }

  constructor(redis: Redis, options: StoreHealthOptions) {
    this.#redis = redis
    this.#options = options
    options.gauge.set(0)
    redis.on('ready', this.#onReady)
    redis.on('close', this.#onClose)
    redis.on('error', this.#onError)
    if (redis.status === 'ready') this.#change('up')
  }

  /** The connection's state as last seen. */
  get state(): StoreState {
    return this.#state
  }

  /** False only while the store is known to be down; a first connection still in progress may be waited for. */
  get available(): boolean {
    return this.#state !== 'down'
  }

  /** Throws StoreUnavailableError while the store is down, so no command waits on a dead connection. */
  assertAvailable(): void {
    if (!this.available) throw new StoreUnavailableError(`the shared store is unavailable: ${this.#lastError || 'connection closed'}`)
  }

  /** Stops following the connection (before the process closes it on purpose). */
  close(): void {
    this.#redis.off('ready', this.#onReady)
    this.#redis.off('close', this.#onClose)
    this.#redis.off('error', this.#onError)
  }

  #change(state: 'up' | 'down'): void {
    if (state === this.#state) return
    const before = this.#state
    this.#state = state
    this.#options.gauge.set(state === 'up' ? 1 : 0)
    if (state === 'up') this.#options.logger.info('shared store up', { store: 'redis', previously: before })
    else this.#options.logger.error('shared store down: requests that need it answer 503 until it is back', { store: 'redis', reason: this.#lastError || 'connection closed' })
  }
}

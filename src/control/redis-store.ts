import { Redis } from 'ioredis'
import { ApiError } from '../errors/api-error.js'
import type { Logger } from '../observability/logger.js'
import type { ControlFields, FieldWrite } from './control-state.js'
import type { ControlStore } from './control-store.js'

/** Options of RedisControlStore. */
export interface RedisControlStoreOptions {
  url: string
  /** The configured `rateLimit.redisKeyPrefix`: the hash is `<prefix>:control`, the channel `<prefix>:control:changed`. */
  keyPrefix: string
  logger: Logger
  /** How often the whole state is read again, in case a notification was missed. */
  resyncMs: number
  /** How long start() waits for Redis before serving on the model.yaml defaults. */
  startTimeoutMs?: number
}

/**
 * Control state in one Redis hash, shared by every replica. A change is one MULTI/EXEC that
 * writes the field and publishes its name, so it is stored and announced together or not at all.
 * Each process reads the whole hash again on a notification, on every (re)connection and every
 * `resyncMs`, so a process that missed messages while Redis was away converges when it returns.
 */
export class RedisControlStore implements ControlStore {
  readonly kind = 'redis'
  readonly #commands: Redis
  readonly #subscriber: Redis
  readonly #hash: string
  readonly #channel: string
  readonly #listeners: ((fields: ControlFields) => void)[] = []
  #fields: ReadonlyMap<string, string> = new Map()
  #resync: NodeJS.Timeout | undefined
  #closed = false

  constructor(private readonly options: RedisControlStoreOptions) {
    this.#hash = `${options.keyPrefix}:control`
    this.#channel = `${options.keyPrefix}:control:changed`
    // No offline queue: a change while Redis is away fails at once (503) instead of waiting to be half-applied later.
    this.#commands = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
    this.#subscriber = new Redis(options.url, { lazyConnect: true })
    for (const connection of [this.#commands, this.#subscriber]) {
      connection.on('error', (err: Error) => options.logger.debug('control store connection error', { reason: err.message }))
    }
    this.#commands.on('ready', () => void this.#refresh())
    this.#subscriber.on('message', (channel: string) => {
      if (channel === this.#channel) void this.#refresh()
    })
  }

  async start(): Promise<void> {
    this.#commands.connect().catch((err: Error) => this.options.logger.warn('control store unreachable at start; serving on model.yaml until it answers', { reason: err.message }))
    this.#subscriber
      .connect()
      .then(() => this.#subscriber.subscribe(this.#channel))
      .catch((err: Error) => {
        this.options.logger.warn('control store subscription failed; relying on periodic reads', { reason: err.message })
      })
    await this.#ready(this.options.startTimeoutMs ?? 5_000)
    await this.#refresh()
    this.#resync = setInterval(() => void this.#refresh(), this.options.resyncMs)
    this.#resync.unref()
  }

  up(): boolean {
    return this.#commands.status === 'ready'
  }

  fields(): ControlFields {
    return this.#fields
  }

  async write(change: FieldWrite): Promise<ControlFields> {
    if (this.#commands.status !== 'ready') throw unreachable()
    const transaction = this.#commands.multi()
    if ('set' in change) transaction.hset(this.#hash, change.field, change.set)
    else transaction.hincrby(this.#hash, change.field, change.increment)
    transaction.publish(this.#channel, change.field)
    transaction.hgetall(this.#hash)
    let results: [Error | null, unknown][] | null
    try {
      results = await transaction.exec()
    } catch (err) {
      throw unreachable(err)
    }
    const failed = results?.find(([error]) => error !== null)
    if (results === null || failed !== undefined) throw unreachable(failed?.[0])
    const all = results[2]?.[1]
    this.#set(isStringRecord(all) ? new Map(Object.entries(all)) : this.#fields)
    return this.#fields
  }

  onChange(listener: (fields: ControlFields) => void): void {
    this.#listeners.push(listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#resync)
    this.#commands.disconnect()
    this.#subscriber.disconnect()
  }

  async #refresh(): Promise<void> {
    if (this.#closed || this.#commands.status !== 'ready') return
    try {
      this.#set(new Map(Object.entries(await this.#commands.hgetall(this.#hash))))
    } catch (err) {
      this.options.logger.warn('control store read failed; serving on the last known state', { reason: (err as Error).message })
    }
  }

  #set(fields: ReadonlyMap<string, string>): void {
    if (sameFields(fields, this.#fields)) return
    this.#fields = fields
    for (const listener of this.#listeners) listener(fields)
  }

  #ready(timeoutMs: number): Promise<void> {
    if (this.#commands.status === 'ready') return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#commands.off('ready', done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.#commands.on('ready', done)
    })
  }
}

function unreachable(cause?: unknown): ApiError {
  return new ApiError('unavailable', 'the control store (Redis) is unreachable; nothing was changed', { headers: { 'Retry-After': '5' }, cause })
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string')
}

function sameFields(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false
  for (const [field, value] of a) if (b.get(field) !== value) return false
  return true
}

import ratelimit from 'koa-ratelimit'
import type { Redis } from 'ioredis'
import { RATE_PATTERN } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import type { AppContext, AppMiddleware } from '../state.js'

/** A parsed `count/window` limit. */
export interface RateSpec {
  max: number
  durationMs: number
}

const WINDOW_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const

/** Parses `100/minute` into a count and a window. */
export function parseRate(text: string): RateSpec {
  const match = RATE_PATTERN.exec(text)
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`not a rate: ${text}`)
  return { max: Number(match[1]), durationMs: WINDOW_MS[match[2] as keyof typeof WINDOW_MS] }
}

/** Options of rateLimit. */
export interface RateLimitOptions {
  /** A fixed name for the metric label and the store key prefix (`anonymous`, `subject`, …). */
  name: string
  rate: RateSpec
  /** The identity a request counts against; `false` exempts it. */
  identify: (ctx: AppContext) => string | false
  metrics: Metrics
  /** Shared store across replicas; in-process memory when absent. */
  redis?: Redis
}

/** koa-ratelimit, answering 429 in the envelope with Retry-After and RateLimit-* headers. */
export function rateLimit(options: RateLimitOptions): AppMiddleware {
  const limiter = ratelimit({
    driver: options.redis === undefined ? 'memory' : 'redis',
    db: options.redis ?? new Map(),
    duration: options.rate.durationMs,
    max: options.rate.max,
    id: (ctx) => {
      const identity = options.identify(ctx as AppContext)
      return identity === false ? false : `portcullis:${options.name}:${identity}`
    },
    headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
    throw: true,
  })
  const limitedCounter = options.metrics.rateLimited.labels(options.name)
  return async function rateLimit(ctx, next) {
    try {
      await limiter(ctx, async () => {
        toDeltaSeconds(ctx)
        await next()
      })
    } catch (err) {
      if (!isRateLimitError(err)) throw err
      limitedCounter.inc()
      toDeltaSeconds(ctx)
      const retryAfter = String(Math.max(1, Number(ctx.response.get('RateLimit-Reset')) || 1))
      throw new ApiError('rate_limited', `rate limit exceeded; retry in ${retryAfter} s`, {
        headers: {
          'Retry-After': retryAfter,
          'RateLimit-Limit': ctx.response.get('RateLimit-Limit'),
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': retryAfter,
        },
      })
    }
  }
}

// koa-ratelimit sends the reset time as epoch seconds; the IETF RateLimit header fields
// (draft-ietf-httpapi-ratelimit-headers) define it as seconds from now.
function toDeltaSeconds(ctx: AppContext): void {
  const reset = Number(ctx.response.get('RateLimit-Reset'))
  if (reset > 1e9) ctx.set('RateLimit-Reset', String(Math.max(0, Math.ceil(reset - Date.now() / 1000))))
}

function isRateLimitError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && err.status === 429
}

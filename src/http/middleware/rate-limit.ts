import ratelimit from 'koa-ratelimit'
import type { Redis } from 'ioredis'
import { RATE_PATTERN } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import { BoundedMap } from '../../security/bounded-map.js'
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

/** Where counters live: one Redis shared by the replicas, or one bounded map in this process. */
export interface RateLimitStore {
  redis?: Redis
  memory: Map<string, unknown>
  /** Prefix of every key (rateLimit.redisKeyPrefix). */
  keyPrefix: string
}

/** The counter store of every limiter of one app; `maxEntries` bounds the in-memory one. */
export function createRateLimitStore(redis: Redis | undefined, keyPrefix: string, maxEntries: number): RateLimitStore {
  return { redis, memory: new BoundedMap(maxEntries), keyPrefix }
}

/** Options of rateLimit. */
export interface RateLimitOptions {
  /** A fixed name for the metric label and the key (`anonymous`, `predict`, `admin`, `subject`). */
  name: string
  rate: RateSpec
  /** The identity a request counts against; `false` exempts it. */
  identify: (ctx: AppContext) => string | false
  metrics: Metrics
  store: RateLimitStore
}

/** koa-ratelimit, answering 429 in the envelope with Retry-After and RateLimit-* headers. */
export function rateLimit(options: RateLimitOptions): AppMiddleware {
  const { store } = options
  const limiter = ratelimit({
    driver: store.redis === undefined ? 'memory' : 'redis',
    db: store.redis ?? store.memory,
    duration: options.rate.durationMs,
    max: options.rate.max,
    id: (ctx) => {
      const identity = options.identify(ctx as AppContext)
      return identity === false ? false : `${store.keyPrefix}:${options.name}:${identity}`
    },
    headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
    throw: true,
  })
  const limitedCounter = options.metrics.rateLimited.labels(options.name)
  const windowSeconds = options.rate.durationMs / 1000
  return async function rateLimit(ctx, next) {
    // An exempt request skips the limiter and its headers altogether.
    if (options.identify(ctx) === false) return next()
    let limited: unknown
    try {
      await limiter(ctx, async () => {
        toDeltaSeconds(ctx, windowSeconds)
      })
    } catch (err) {
      if (!isRateLimitError(err)) throw err
      limited = err
    }
    // next() runs outside the limiter, so a 429 from further down is never taken for this limit's.
    if (limited !== undefined) {
      limitedCounter.inc()
      toDeltaSeconds(ctx, windowSeconds)
      throw tooManyRequests(Number(ctx.response.get('RateLimit-Limit')), Number(ctx.response.get('RateLimit-Reset')), limited)
    }
    await next()
  }
}

/** The 429 of every limiter: Retry-After and RateLimit-* in seconds from now (contract.md). */
export function tooManyRequests(limit: number, resetSeconds: number, cause?: unknown): ApiError {
  const retryAfter = String(Math.max(1, Math.ceil(resetSeconds) || 1))
  return new ApiError('rate_limited', `rate limit exceeded; retry in ${retryAfter} s`, {
    headers: {
      'Retry-After': retryAfter,
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': retryAfter,
    },
    cause,
  })
}

// koa-ratelimit sends the reset time as epoch seconds; the IETF RateLimit header fields
// (draft-ietf-httpapi-ratelimit-headers) define it as seconds from now, never more than the window
// (the memory driver's clock runs on hrtime and may be a little ahead of Date.now()).
function toDeltaSeconds(ctx: AppContext, windowSeconds: number): void {
  const reset = Number(ctx.res.getHeader('RateLimit-Reset'))
  if (reset > 1e9) ctx.res.setHeader('RateLimit-Reset', String(Math.min(windowSeconds, Math.max(0, Math.ceil(reset - Date.now() / 1000)))))
}

function isRateLimitError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && err.status === 429
}

/** Which per-subject limit a request counts against. */
export type TrafficClass = 'predict' | 'admin' | 'subject'

// Predict (v1) and infer (Open Inference Protocol v2) routes, and the admin prefix.
const PREDICT_PATH = /\/(predict|infer)\/?$/
const ADMIN_PATH = /^\/api\/v1\/admin(\/|$)/

/** Classifies a request by path: admin routes, predict/infer routes, or everything else. */
export function trafficClass(path: string): TrafficClass {
  if (ADMIN_PATH.test(path)) return 'admin'
  if (PREDICT_PATH.test(path)) return 'predict'
  return 'subject'
}

/** Options of subjectRateLimit. */
export interface SubjectRateLimitOptions {
  rates: Record<TrafficClass, RateSpec>
  metrics: Metrics
  store: RateLimitStore
}

/** Per-subject limits after authentication, one counter per traffic class (predict, admin, the rest). */
export function subjectRateLimit(options: SubjectRateLimitOptions): AppMiddleware {
  const limiters = Object.fromEntries((Object.keys(options.rates) as TrafficClass[]).map((name) => [name, rateLimit({
    name,
    rate: options.rates[name],
    metrics: options.metrics,
    store: options.store,
    identify: (ctx) => ctx.state.principal?.subject ?? ctx.ip,
  })])) as Record<TrafficClass, AppMiddleware>
  return function subjectRateLimit(ctx, next) {
    return limiters[trafficClass(ctx.path)](ctx, next)
  }
}

import ratelimit from 'koa-ratelimit'
import type { Redis } from 'ioredis'
import { RATE_PATTERN } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import { BoundedMap } from '../../security/bounded-map.js'
import type { StoreHealth } from '../../security/store-health.js'
import type { RouteMatcher } from '../route-label.js'
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

/** Where counters live: one Redis shared by the replicas, or bounded maps in this process. */
export interface RateLimitStore {
  redis?: Redis
  /** Follows the Redis connection, so a limiter fails fast while it is down. */
  health?: StoreHealth
  /** Prefix of every key (rateLimit.redisKeyPrefix). */
  keyPrefix: string
  /** Identities each limiter tracks in memory (rateLimit.maxTrackedIdentities). */
  maxEntries: number
}

/** The counter store of every limiter of one app; `maxEntries` bounds each in-memory limiter. */
export function createRateLimitStore(redis: Redis | undefined, keyPrefix: string, maxEntries: number, health?: StoreHealth): RateLimitStore {
  return { redis, health, keyPrefix, maxEntries }
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
  /**
   * While the shared store is down: `refuse` answers 503 with Retry-After (fail closed), `local`
   * counts in this process instead (per replica), for public routes that must keep answering.
   */
  whenStoreDown?: 'refuse' | 'local'
}

type Limiter = ReturnType<typeof ratelimit>

/** koa-ratelimit, answering 429 in the envelope with Retry-After and RateLimit-* headers. */
export function rateLimit(options: RateLimitOptions): AppMiddleware {
  const { store } = options
  const limiter = (driver: 'redis' | 'memory'): Limiter =>
    ratelimit({
      driver,
      // Each limiter has its own map, so a flood of one kind of identity (addresses) cannot evict
      // the counters of another (subjects).
      db: driver === 'redis' && store.redis !== undefined ? store.redis : new BoundedMap(store.maxEntries),
      // The key is `<prefix>:<limit>:<identity>`: every key starts with rateLimit.redisKeyPrefix.
      namespace: store.keyPrefix,
      duration: options.rate.durationMs,
      max: options.rate.max,
      id: (ctx) => {
        const identity = options.identify(ctx as AppContext)
        return identity === false ? false : `${options.name}:${identity}`
      },
      headers: { remaining: 'RateLimit-Remaining', reset: 'RateLimit-Reset', total: 'RateLimit-Limit' },
      throw: true,
    })
  const windowSeconds = options.rate.durationMs / 1000
  const consult =
    store.redis === undefined
      ? memoryLimiter(limiter('memory'), windowSeconds)
      : storeLimiter(limiter('redis'), options.whenStoreDown === 'local' ? limiter('memory') : undefined, store.health, windowSeconds)
  const limitedCounter = options.metrics.rateLimited.labels(options.name)
  return async function rateLimit(ctx, next) {
    // An exempt request skips the limiter and its headers altogether.
    if (options.identify(ctx) === false) return next()
    const limited = await consult(ctx)
    // next() runs outside the limiter, so a 429 from further down is never taken for this limit's.
    if (limited !== undefined) {
      limitedCounter.inc()
      toDeltaSeconds(ctx, windowSeconds)
      throw tooManyRequests(Number(ctx.response.get('RateLimit-Limit')), Number(ctx.response.get('RateLimit-Reset')), limited)
    }
    await next()
  }
}

type Consult = (ctx: AppContext) => Promise<unknown>

function memoryLimiter(local: Limiter, windowSeconds: number): Consult {
  return (ctx) => consultLimiter(local, ctx, windowSeconds)
}

// The shared limiter while the store is up; while it is down (known, or found on this request),
// the local one when there is one, else a fast 503.
function storeLimiter(shared: Limiter, local: Limiter | undefined, health: StoreHealth | undefined, windowSeconds: number): Consult {
  return async (ctx) => {
    if (local !== undefined && health?.available === false) return consultLimiter(local, ctx, windowSeconds)
    try {
      health?.assertAvailable()
      return await consultLimiter(shared, ctx, windowSeconds)
    } catch (err) {
      if (local !== undefined) return consultLimiter(local, ctx, windowSeconds)
      throw storeUnavailable(err)
    }
  }
}

// Runs one koa-ratelimit instance: resolves to its 429 error when the request is over the limit,
// to undefined when it is within it, and rejects only when the store itself failed.
async function consultLimiter(limiter: Limiter, ctx: AppContext, windowSeconds: number): Promise<unknown> {
  try {
    await limiter(ctx, async () => {
      toDeltaSeconds(ctx, windowSeconds)
    })
    return undefined
  } catch (err) {
    if (isRateLimitError(err)) return err
    throw err
  }
}

/** Seconds a client is told to wait while the shared store is down (ioredis retries within 2 s). */
const STORE_RETRY_AFTER_SECONDS = 5

/** The 503 of a request that needs the shared store while it is down: fail closed, and fast. */
export function storeUnavailable(cause: unknown): ApiError {
  return new ApiError('unavailable', "the gateway's shared store is unavailable; retry later", {
    headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
    cause,
  })
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

// Route templates (never raw paths) of the predict (v1) and infer (Open Inference Protocol v2)
// routes, and of the admin routes.
const PREDICT_ROUTE = /\/(predict|infer)$/
const ADMIN_ROUTE = /^\/api\/v1\/admin\//

/**
 * Classifies a request by the route template the router matched for it, so routing and limits
 * cannot disagree on a path (case, trailing slash, encoding): admin routes, predict/infer routes,
 * or everything else, unmatched paths included.
 */
export function trafficClass(route: string | undefined): TrafficClass {
  if (route === undefined) return 'subject'
  if (ADMIN_ROUTE.test(route)) return 'admin'
  if (PREDICT_ROUTE.test(route)) return 'predict'
  return 'subject'
}

/** Options of subjectRateLimit. */
export interface SubjectRateLimitOptions {
  rates: Record<TrafficClass, RateSpec>
  metrics: Metrics
  store: RateLimitStore
  /** The router's own matcher over the authenticated routes: the one source of a request's class. */
  matchRoute: RouteMatcher
}

/** Per-subject limits after authentication, one counter per traffic class (predict, admin, the rest); 503 while the shared store is down. */
export function subjectRateLimit(options: SubjectRateLimitOptions): AppMiddleware {
  const limiters = Object.fromEntries(
    (Object.keys(options.rates) as TrafficClass[]).map((name) => [
      name,
      rateLimit({
        name,
        rate: options.rates[name],
        metrics: options.metrics,
        store: options.store,
        identify: (ctx) => ctx.state.principal?.subject ?? ctx.ip,
      }),
    ]),
  ) as Record<TrafficClass, AppMiddleware>
  return function subjectRateLimit(ctx, next) {
    const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : options.matchRoute(ctx.path, ctx.method)
    return limiters[trafficClass(route)](ctx, next)
  }
}

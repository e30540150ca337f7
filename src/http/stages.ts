import { ConfigError } from '../config/config-error.js'
import { createFailureCounter } from '../security/failure-counter.js'
import { verifyPolicyOf } from '../security/verify-policy.js'
import { BodyByteBudget } from './budgets/body-bytes.js'
import { InFlightBudget } from './budgets/in-flight-budget.js'
import type { AppDeps } from './deps.js'
import { accessLog } from './middleware/access-log.js'
import { anonymousAccess } from './middleware/anonymous-access.js'
import { authThrottle } from './middleware/auth-throttle.js'
import { authenticate } from './middleware/authenticate.js'
import { bodyGuard, declaredLengthLimit } from './middleware/body-guard.js'
import { cors } from './middleware/cors.js'
import { errorEnvelope } from './middleware/error-envelope.js'
import { notFound } from './middleware/not-found.js'
import { createRateLimitStore, parseRate, rateLimit, subjectRateLimit, type RateLimitStore } from './middleware/rate-limit.js'
import { requestId } from './middleware/request-id.js'
import { securityHeaders } from './middleware/security-headers.js'
import { mountRouter, pathGate, type RouterMiddleware } from './mount.js'
import { readsOwnBody } from './raw-body.js'
import { routeMatcher } from './route-label.js'
import { assembleRoutes, type RouteTable } from './route-table.js'
import { oipProtocol } from './routes/oip-v2.js'
import { stage } from './stage.js'
import type { AppMiddleware } from './state.js'

/** What the stages of one app share: its parts, its routes, its limit counters and budgets. */
export interface Pipeline extends AppDeps {
  routes: RouteTable
  /** Counters of every rate limit (Redis when configured, else one bounded map). */
  rateStore: RateLimitStore
  inFlight: InFlightBudget
  bodyBytes: BodyByteBudget
}

/** Builds what the stages share, once per app. */
export function buildPipeline(deps: AppDeps): Pipeline {
  const { budgets, limits, rateLimit: rates, server } = deps.config
  if (budgets.maxBufferedBodyBytes < limits.maxBodyBytes) {
    throw new ConfigError('budgets.maxBufferedBodyBytes', 'must not be smaller than limits.maxBodyBytes')
  }
  const rateStore = createRateLimitStore(deps.redis, rates.redisKeyPrefix, rates.maxTrackedIdentities, deps.storeHealth)
  return {
    ...deps,
    routes: assembleRoutes(deps, rateStore),
    rateStore,
    inFlight: new InFlightBudget({
      maxInFlight: server.maxInFlight,
      maxAnonymousInFlight: budgets.maxAnonymousInFlight,
      maxAnonymousInFlightPerAddress: budgets.maxAnonymousInFlightPerAddress,
    }),
    bodyBytes: new BodyByteBudget(budgets.maxBufferedBodyBytes),
  }
}

// A stage that is configured off: the request goes straight on.
const skip: AppMiddleware = function skip(_ctx, next) {
  return next()
}

/** Accepts or makes the request id, first of all, so every answer carries it. */
export function requestIdStage({ metrics }: Pipeline): AppMiddleware {
  return stage('request_id', metrics, requestId())
}

/** Marks Open Inference Protocol paths, whose errors take that protocol's shape. */
export function protocolStage(): AppMiddleware {
  return oipProtocol()
}

/** One log line and the request metrics per request, labelled with the route template. */
export function accessLogStage({ logger, metrics, routes }: Pipeline): AppMiddleware {
  return accessLog({ logger, metrics, matchRoute: routeMatcher([routes.publicRoutes, routes.apiRoutes]) })
}

/** Every error below becomes the contract's envelope. */
export function errorEnvelopeStage({ logger, metrics }: Pipeline): AppMiddleware {
  return errorEnvelope({ logger, metrics })
}

/** The fixed response headers (helmet's, Cache-Control), on errors too. */
export function securityHeadersStage({ config }: Pipeline): AppMiddleware {
  return securityHeaders({ hsts: config.server.tls !== undefined })
}

/** CORS for the configured origins; off when there are none. */
export function corsStage({ config }: Pipeline): AppMiddleware {
  return config.server.cors.origins.length > 0 ? cors(config.server.cors) : skip
}

/**
 * Admits the request into the anonymous in-flight share (per address and in all), or 503; a body
 * declared over limits.maxBodyBytes gets 413 from its header.
 */
export function budgetStage({ config, metrics, inFlight }: Pipeline): AppMiddleware {
  const admit = inFlight.admit()
  const declared = declaredLengthLimit(config.limits.maxBodyBytes)
  return stage('budget', metrics, function budget(ctx, next) {
    return admit(ctx, () => declared(ctx, next))
  })
}

/** Per client address, for public routes and requests without credentials, from the headers alone. */
export function rateLimitAddressStage({ config, metrics, rateStore, routes }: Pipeline): AppMiddleware {
  if (!config.rateLimit.enabled) return skip
  const { publicRoutes } = routes
  const mayBePublic = pathGate(publicRoutes)
  const isPublic = (path: string, method: string): boolean => mayBePublic(path) && publicRoutes.match(path, method).route
  return stage(
    'rate_limit_address',
    metrics,
    rateLimit({
      name: 'anonymous',
      rate: parseRate(config.rateLimit.anonymous),
      identify: (ctx) => (ctx.get('Authorization') === '' || isPublic(ctx.path, ctx.method) ? ctx.ip : false),
      metrics,
      store: rateStore,
      whenStoreDown: 'local',
    }),
  )
}

/** Liveness, readiness and the API documents, answered without a token. */
export function publicRoutesStage({ routes }: Pipeline): RouterMiddleware {
  return mountRouter(routes.publicRoutes, pathGate(routes.publicRoutes))
}

/** An address that sent too many refused tokens gets 429 before its next token is parsed. */
export function authFailuresStage({ config, metrics, redis, storeHealth }: Pipeline): AppMiddleware {
  if (!config.rateLimit.enabled) return skip
  const { authFailures, redisKeyPrefix, maxTrackedIdentities } = config.rateLimit
  const rate = parseRate(authFailures)
  const counter = createFailureCounter(redis, redisKeyPrefix, rate.durationMs, maxTrackedIdentities, storeHealth)
  return stage('auth_failures', metrics, authThrottle({ rate, counter, metrics }))
}

/** Verifies the bearer token from the headers (or acts as "anonymous" when auth is off). */
export function authenticateStage({ config, keys, revocations, metrics }: Pipeline): AppMiddleware {
  const { auth } = config
  return stage(
    'authenticate',
    metrics,
    !auth.enabled
      ? anonymousAccess({ roles: Object.keys(config.rbac.roles) })
      : authenticate({
          keys,
          revocations,
          metrics,
          tokenCacheSize: auth.tokenCacheSize,
          policy: verifyPolicyOf(config),
        }),
  )
}

/** An authenticated request moves to the share that anonymous requests cannot fill (server.maxInFlight). */
export function authenticatedShareStage({ inFlight }: Pipeline): AppMiddleware {
  return inFlight.claim()
}

/** Per subject, by traffic class (predict, admin, the rest). */
export function rateLimitSubjectStage({ config, metrics, rateStore, routes }: Pipeline): AppMiddleware {
  if (!config.rateLimit.enabled) return skip
  const rates = config.rateLimit
  const subjectRates = { subject: parseRate(rates.default), predict: parseRate(rates.predict ?? rates.default), admin: parseRate(rates.admin ?? rates.default) }
  return stage('rate_limit_subject', metrics, subjectRateLimit({ rates: subjectRates, metrics, store: rateStore, matchRoute: routeMatcher([routes.apiRoutes]) }))
}

/** Reads and parses the body, only now that the caller is known and within its limits. */
export function bodyGuardStage({ config, metrics, bodyBytes }: Pipeline): AppMiddleware {
  const { limits } = config
  return stage(
    'body_guard',
    metrics,
    bodyGuard({ maxBodyBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth, maxArrayLength: limits.maxArrayLength, budget: bodyBytes, readsOwnBody }),
  )
}

/** "No route answered" becomes a 404 in the envelope (after the router's own 405). */
export function notFoundStage(): AppMiddleware {
  return notFound()
}

/** The authenticated API: models, predictions, Open Inference Protocol, admin, metrics. */
export function apiRoutesStage({ routes }: Pipeline): RouterMiddleware {
  return mountRouter(routes.apiRoutes)
}

import Koa, { type Next } from 'koa'
import Router from '@koa/router'
import { ApiError } from '../errors/api-error.js'
import { ValidatorCache } from '../predict/validators.js'
import { createFailureCounter } from '../security/failure-counter.js'
import { roleMapFrom } from '../security/rbac.js'
import type { AppDeps } from './deps.js'
import { accessLog } from './middleware/access-log.js'
import { anonymousAccess } from './middleware/anonymous-access.js'
import { authenticate } from './middleware/authenticate.js'
import { bodyGuard } from './middleware/body-guard.js'
import { errorEnvelope } from './middleware/error-envelope.js'
import { notFound } from './middleware/not-found.js'
import { authThrottle } from './middleware/auth-throttle.js'
import { cors } from './middleware/cors.js'
import { inFlightLimit } from './middleware/in-flight-limit.js'
import { createRateLimitStore, parseRate, rateLimit, subjectRateLimit } from './middleware/rate-limit.js'
import { requestId } from './middleware/request-id.js'
import { securityHeaders } from './middleware/security-headers.js'
import { buildOpenApiDocument } from './openapi.js'
import { routeMatcher } from './route-label.js'
import { adminRoutes } from './routes/admin.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { modelRoutes } from './routes/models.js'
import { oipHealthRoutes, oipProtocol, oipRoutes } from './routes/oip-v2.js'
import { predictRoutes } from './routes/predict.js'
import { stage } from './stage.js'
import type { AppState } from './state.js'

/** Builds the Koa app: the pipeline of design.md, one line per stage. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const { config, logger, metrics } = deps
  // X-Forwarded-For is read only behind trusted proxies, and then only its last `hops` entries.
  const { trustProxy } = config.server
  const app = new Koa<AppState>({ proxy: trustProxy !== false, maxIpsCount: trustProxy === false ? 0 : Number(trustProxy) })
  app.silent = true
  const roleMap = roleMapFrom(config)
  const limits = config.limits
  const rates = config.rateLimit
  const store = createRateLimitStore(deps.redis, rates.redisKeyPrefix, rates.maxTrackedIdentities)
  const publicRoutes = combine([
    healthRoutes(deps.registry, deps.streams),
    oipHealthRoutes(deps.registry, deps.streams),
    docsRoutes({ document: () => buildOpenApiDocument({ maxRows: limits.maxRows }) }),
  ])
  const apiRoutes = combine([
    modelRoutes(deps.registry, roleMap),
    predictRoutes({
      registry: deps.registry,
      predictor: deps.predictor,
      validators: new ValidatorCache(limits.maxRows),
      metrics,
      roleMap,
      defaultModel: config.models.default,
      shadows: deps.shadows,
    }),
    oipRoutes({ registry: deps.registry, predictor: deps.tensorPredictor, metrics, roleMap, maxRows: limits.maxRows, shadows: deps.shadows }),
    adminRoutes({ registry: deps.registry, revocations: deps.revocations, logger, roleMap, maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds }),
    metricsRoutes(metrics.registry, roleMap),
  ])

  app.use(stage('request_id', metrics, requestId()))
  app.use(oipProtocol())
  app.use(accessLog({ logger, metrics, matchRoute: routeMatcher([publicRoutes, apiRoutes]) }))
  app.use(errorEnvelope({ logger, metrics }))
  app.use(securityHeaders({ hsts: config.server.tls !== undefined }))
  if (config.server.cors.origins.length > 0) app.use(cors(config.server.cors))
  app.use(inFlightLimit({ maxInFlight: config.server.maxInFlight }))
  app.use(stage('body_guard', metrics, bodyGuard({ maxBodyBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth, maxArrayLength: limits.maxArrayLength })))
  const mayBePublic = pathGate(publicRoutes)
  if (config.rateLimit.enabled) {
    // Public routes and requests without credentials count per address; the rest per subject below.
    const isPublic = (path: string, method: string): boolean => mayBePublic(path) && publicRoutes.match(path, method).route
    app.use(stage('rate_limit', metrics, rateLimit({ name: 'anonymous', rate: parseRate(rates.anonymous), identify: (ctx) => (ctx.get('Authorization') === '' || isPublic(ctx.path, ctx.method) ? ctx.ip : false), metrics, store })))
  }
  useRouter(app, publicRoutes, mayBePublic)
  if (config.rateLimit.enabled) {
    const failures = parseRate(rates.authFailures)
    app.use(stage('rate_limit', metrics, authThrottle({ rate: failures, counter: createFailureCounter(deps.redis, rates.redisKeyPrefix, failures.durationMs, rates.maxTrackedIdentities), metrics })))
  }
  app.use(stage('authenticate', metrics, !config.auth.enabled ? anonymousAccess({ roles: Object.keys(config.rbac.roles) }) : authenticate({
    keys: deps.keys,
    revocations: deps.revocations,
    metrics,
    tokenCacheSize: config.auth.tokenCacheSize,
    policy: {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      rolesClaim: config.auth.rolesClaim,
      clockToleranceSeconds: config.auth.clockToleranceSeconds,
      maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds,
      maxTokenBytes: limits.maxTokenBytes,
    },
  })))
  if (config.rateLimit.enabled) {
    const subjectRates = { subject: parseRate(rates.default), predict: parseRate(rates.predict ?? rates.default), admin: parseRate(rates.admin ?? rates.default) }
    app.use(stage('rate_limit', metrics, subjectRateLimit({ rates: subjectRates, metrics, store })))
  }
  app.use(notFound())
  useRouter(app, apiRoutes)
  return app
}

/** Mounts a router with 405/501 turned into envelope errors; `gate` lets paths it refuses skip the router. */
function useRouter(app: Koa<AppState>, router: Router<AppState>, gate?: (path: string) => boolean): void {
  const routes = router.routes()
  const allowedMethods = router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new ApiError('method_not_allowed', 'method not allowed on this route'),
    notImplemented: () => new ApiError('not_implemented', 'method not implemented'),
  })
  if (gate === undefined) {
    app.use(routes)
    app.use(allowedMethods)
    return
  }
  app.use(skipUnless(gate, routes))
  app.use(skipUnless(gate, allowedMethods))
}

/** A middleware that runs only for paths `gate` admits; every other request goes straight on. */
function skipUnless<C extends { path: string }, R>(gate: (path: string) => boolean, middleware: (ctx: C, next: Next) => R): (ctx: C, next: Next) => R | Promise<void> {
  const gated = (ctx: C, next: Next): R | Promise<void> => (gate(ctx.path) ? middleware(ctx, next) : next())
  // @koa/router marks its dispatcher with the router; the mark stays, for whatever lists an app's routes.
  return 'router' in middleware ? Object.assign(gated, { router: middleware.router }) : gated
}

/**
 * A cheap pre-check for a router: false when a path's first segment starts none of the router's
 * routes, so a prediction need not be matched against the public routes first. A router with a
 * route whose first segment is a parameter or a pattern gets a gate that lets every path through.
 */
export function pathGate(router: Router<AppState>): (path: string) => boolean {
  const segments = new Set<string>()
  for (const layer of router.stack) {
    const first = typeof layer.path === 'string' ? layer.path.split('/')[1] : undefined
    if (first === undefined || first === '' || /[:*(){}]/.test(first)) return () => true
    segments.add(first)
  }
  return (path) => {
    const end = path.indexOf('/', 1)
    return segments.has(path.slice(1, end === -1 ? undefined : end))
  }
}

/** One router for all API routes, so allowedMethods sees every method a path has. */
function combine(routers: Router<AppState>[]): Router<AppState> {
  const combined = new Router<AppState>()
  for (const router of routers) combined.use(router.routes())
  return combined
}

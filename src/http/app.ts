import Koa, { type Next } from 'koa'
import Router from '@koa/router'
import { resolve } from 'node:path'
import { ApiError } from '../errors/api-error.js'
import { ValidatorCache } from '../predict/validators.js'
import { createFailureCounter } from '../security/failure-counter.js'
import { roleMapFrom } from '../security/rbac.js'
import { verifyPolicyOf } from '../security/verify-policy.js'
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
import { consoleOpenApiSection } from './console-openapi.js'
import { buildOpenApiDocument } from './openapi.js'
import { routeMatcher } from './route-label.js'
import { readsOwnBody } from './raw-body.js'
import { adminRoutes } from './routes/admin.js'
import { artifactRoutes } from './routes/artifact.js'
import { gitHookRoutes } from './routes/git-hook.js'
import { supplyRoutes } from './routes/supply.js'
import { adminControlOpenApi } from './routes/admin-control-openapi.js'
import { consoleRoutes } from './routes/console.js'
import { demoTokenRoutes, demoTokensEnabled } from './routes/demo-token.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { metricsSummaryRoutes } from './routes/metrics-summary.js'
import { modelRoutes } from './routes/models.js'
import { oipHealthRoutes, oipProtocol, oipRoutes } from './routes/oip-v2.js'
import { predictRoutes } from './routes/predict.js'
import { whoamiRoutes } from './routes/whoami.js'
import { stage } from './stage.js'
import { supplyOpenApiSection } from './supply-openapi.js'
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
    healthRoutes(deps.registry),
    oipHealthRoutes(deps.registry),
    docsRoutes({ document: () => buildOpenApiDocument({ maxRows: limits.maxRows, sections: [supplyOpenApiSection({ admin: deps.supply !== undefined, gitHook: deps.supply?.git !== undefined }), adminControlOpenApi, consoleOpenApiSection] }) }),
    ...(deps.supply?.git === undefined ? [] : [gitHookRoutes({
      sync: deps.supply.git.sync,
      secret: deps.supply.git.webhookSecret,
      maxDeliveryIds: deps.supply.git.maxDeliveryIds,
      limiter: rateLimit({ name: 'git_hook', rate: parseRate(deps.supply.git.webhookRate), identify: (ctx) => ctx.ip, metrics, store }),
      logger,
    })]),
    consoleRoutes(),
    ...(demoTokensEnabled(config) ? [demoTokenRoutes({ config, keys: deps.keys, logger })] : []),
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
    adminRoutes({ control: deps.control, revocations: deps.revocations, audit: deps.audit, logger, roleMap, maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds }),
    metricsRoutes(metrics.registry.contentType, deps.scrape, roleMap),
    artifactRoutes({ registry: deps.registry, dir: resolve(config.models.dir), roleMap }),
    ...(deps.supply === undefined ? [] : [supplyRoutes({ publisher: deps.supply.publisher, audit: deps.supply.audit, roleMap, maxUploadBytes: config.models.maxUploadBytes })]),
    metricsSummaryRoutes(metrics, roleMap),
    whoamiRoutes({ roleMap, maxRows: limits.maxRows }),
  ])

  app.use(stage('request_id', metrics, requestId()))
  app.use(oipProtocol())
  app.use(accessLog({ logger, metrics, matchRoute: routeMatcher([publicRoutes, apiRoutes]) }))
  app.use(errorEnvelope({ logger, metrics }))
  app.use(securityHeaders({ hsts: config.server.tls !== undefined }))
  if (config.server.cors.origins.length > 0) app.use(cors(config.server.cors))
  app.use(inFlightLimit({ maxInFlight: config.server.maxInFlight }))
  app.use(stage('body_guard', metrics, bodyGuard({ maxBodyBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth, maxArrayLength: limits.maxArrayLength, readsOwnBody })))
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
    policy: verifyPolicyOf(config),
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
    // The root route (the console page) is the one path whose first segment is empty.
    if (layer.path === '/') {
      segments.add('')
      continue
    }
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

import Koa from 'koa'
import Router from '@koa/router'
import { ApiError } from '../errors/api-error.js'
import { ValidatorCache } from '../predict/validators.js'
import { roleMapFrom } from '../security/rbac.js'
import type { AppDeps } from './deps.js'
import { accessLog } from './middleware/access-log.js'
import { authenticate } from './middleware/authenticate.js'
import { bodyGuard } from './middleware/body-guard.js'
import { errorEnvelope } from './middleware/error-envelope.js'
import { notFound } from './middleware/not-found.js'
import { parseRate, rateLimit } from './middleware/rate-limit.js'
import { requestId } from './middleware/request-id.js'
import { securityHeaders } from './middleware/security-headers.js'
import { adminRoutes } from './routes/admin.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { modelRoutes } from './routes/models.js'
import { predictRoutes } from './routes/predict.js'
import { stage } from './stage.js'
import type { AppState } from './state.js'

/** Builds the Koa app: the pipeline of design.md, one line per stage. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const { config, logger, metrics } = deps
  const app = new Koa<AppState>({ proxy: config.server.trustProxy })
  app.silent = true
  const roleMap = roleMapFrom(config)
  const limits = config.limits
  const publicRoutes = healthRoutes(deps.registry)
  const apiRoutes = [
    modelRoutes(deps.registry, roleMap),
    predictRoutes({
      registry: deps.registry,
      predictor: deps.predictor,
      validators: new ValidatorCache(limits.maxRows),
      metrics,
      roleMap,
      defaultModel: config.models.default,
    }),
    adminRoutes({ registry: deps.registry, revocations: deps.revocations, logger, roleMap, maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds }),
    metricsRoutes(metrics.registry, roleMap),
  ]

  app.use(stage('request_id', metrics, requestId()))
  app.use(accessLog({ logger, metrics }))
  app.use(errorEnvelope({ logger, metrics }))
  app.use(securityHeaders({ hsts: config.server.tls !== undefined }))
  app.use(stage('body_guard', metrics, bodyGuard({ maxBodyBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth, maxArrayLength: limits.maxArrayLength })))
  if (config.rateLimit.enabled) {
    app.use(stage('rate_limit', metrics, rateLimit({ name: 'anonymous', rate: parseRate(config.rateLimit.anonymous), identify: (ctx) => ctx.ip, metrics, redis: deps.redis })))
  }
  useRouter(app, publicRoutes)
  app.use(stage('authenticate', metrics, authenticate({
    keys: deps.keys,
    revocations: deps.revocations,
    metrics,
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
    app.use(stage('rate_limit', metrics, rateLimit({ name: 'subject', rate: parseRate(config.rateLimit.default), identify: (ctx) => ctx.state.principal?.subject ?? ctx.ip, metrics, redis: deps.redis })))
  }
  app.use(notFound())
  useRouter(app, combine(apiRoutes))
  return app
}

/** Mounts a router with 405/501 turned into envelope errors. */
function useRouter(app: Koa<AppState>, router: Router<AppState>): void {
  app.use(router.routes())
  app.use(router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new ApiError('method_not_allowed', 'method not allowed on this route'),
    notImplemented: () => new ApiError('not_implemented', 'method not implemented'),
  }))
}

/** One router for all API routes, so allowedMethods sees every method a path has. */
function combine(routers: Router<AppState>[]): Router<AppState> {
  const combined = new Router<AppState>()
  for (const router of routers) combined.use(router.routes())
  return combined
}

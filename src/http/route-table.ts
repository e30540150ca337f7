import Router from '@koa/router'
import { ValidatorCache } from '../predict/validators.js'
import { roleMapFrom } from '../security/rbac.js'
import type { AppDeps } from './deps.js'
import { buildOpenApiDocument } from './openapi.js'
import { adminRoutes } from './routes/admin.js'
import { docsRoutes } from './routes/docs.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { modelRoutes } from './routes/models.js'
import { oipHealthRoutes, oipRoutes } from './routes/oip-v2.js'
import { predictRoutes } from './routes/predict.js'
import type { AppState } from './state.js'

/** The app's routes in two routers: those answered before authentication, and the rest. */
export interface RouteTable {
  /** Liveness, readiness and the API documents: no token, counted per client address. */
  publicRoutes: Router<AppState>
  /** Everything behind authentication. */
  apiRoutes: Router<AppState>
}

/** Assembles every route of the API from the app's parts. */
export function assembleRoutes(deps: AppDeps): RouteTable {
  const { config, logger, metrics, registry, shadows } = deps
  const roleMap = roleMapFrom(config)
  const { maxRows } = config.limits
  const publicRoutes = combine([
    healthRoutes(registry),
    oipHealthRoutes(registry),
    docsRoutes({ document: () => buildOpenApiDocument({ maxRows }) }),
  ])
  const apiRoutes = combine([
    modelRoutes(registry, roleMap),
    predictRoutes({
      registry,
      predictor: deps.predictor,
      validators: new ValidatorCache(maxRows),
      metrics,
      roleMap,
      defaultModel: config.models.default,
      shadows,
    }),
    oipRoutes({ registry, predictor: deps.tensorPredictor, metrics, roleMap, maxRows, shadows }),
    adminRoutes({ registry, revocations: deps.revocations, logger, roleMap, maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds }),
    metricsRoutes(metrics.registry, roleMap),
  ])
  return { publicRoutes, apiRoutes }
}

/** One router for several, so allowedMethods sees every method a path has. */
function combine(routers: Router<AppState>[]): Router<AppState> {
  const combined = new Router<AppState>()
  for (const router of routers) combined.use(router.routes())
  return combined
}

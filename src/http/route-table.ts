import { resolve } from 'node:path'
import Router from '@koa/router'
import { roleMapFrom } from '../security/rbac.js'
import { apiSections } from './api-sections.js'
import { consoleOpenApiSection } from './console-openapi.js'
import type { AppDeps } from './deps.js'
import { parseRate, rateLimit, type RateLimitStore } from './middleware/rate-limit.js'
import { buildOpenApiDocument } from './openapi.js'
import { adminControlOpenApi } from './routes/admin-control-openapi.js'
import { adminRoutes } from './routes/admin.js'
import { artifactRoutes } from './routes/artifact.js'
import { consoleRoutes } from './routes/console.js'
import { demoTokenOpenApi, demoTokenRoutes, demoTokensEnabled } from './routes/demo-token.js'
import { docsRoutes } from './routes/docs.js'
import { driftRoutes } from './routes/drift.js'
import { gitHookRoutes } from './routes/git-hook.js'
import { healthRoutes } from './routes/health.js'
import { metricsSummaryRoutes } from './routes/metrics-summary.js'
import { metricsRoutes } from './routes/metrics.js'
import { modelRoutes } from './routes/models.js'
import { oipHealthRoutes, oipRoutes } from './routes/oip-v2.js'
import { predictRoutes } from './routes/predict.js'
import { supplyRoutes } from './routes/supply.js'
import { whoamiRoutes } from './routes/whoami.js'
import type { AppState } from './state.js'
import { supplyOpenApiSection } from './supply-openapi.js'

/** The app's routes in two routers: those answered before authentication, and the rest. */
export interface RouteTable {
  /** Liveness, readiness and the API documents: no token, counted per client address. */
  publicRoutes: Router<AppState>
  /** Everything behind authentication. */
  apiRoutes: Router<AppState>
}

/** Assembles every route of the API from the app's parts; `rateStore` counts the webhook's own limit. */
export function assembleRoutes(deps: AppDeps, rateStore: RateLimitStore): RouteTable {
  const { config, metrics, registry } = deps
  const roleMap = roleMapFrom(config)
  const { maxRows } = config.limits
  const sections = [
    ...apiSections({ maxRows }),
    supplyOpenApiSection({ admin: deps.supply !== undefined, gitHook: deps.supply?.git !== undefined }),
    adminControlOpenApi,
    consoleOpenApiSection,
    ...(demoTokensEnabled(config) ? [demoTokenOpenApi] : []),
  ]
  const publicRoutes = combine([
    healthRoutes(registry, deps.streams),
    oipHealthRoutes(registry, deps.streams),
    docsRoutes({ document: () => buildOpenApiDocument({ sections }) }),
    ...gitHook(deps, rateStore),
    consoleRoutes(),
    ...(demoTokensEnabled(config) ? [demoTokenRoutes({ config, keys: deps.keys, logger: deps.logger })] : []),
  ])
  const apiRoutes = combine([
    modelRoutes(registry, roleMap),
    driftRoutes(registry, deps.drift, roleMap),
    predictRoutes({ door: deps.rowDoor, metrics, defaultModel: config.models.default }),
    oipRoutes({ registry, door: deps.tensorDoor, metrics, roleMap }),
    adminRoutes({
      control: deps.control,
      registry,
      revocations: deps.revocations,
      audit: deps.audit,
      logger: deps.logger,
      roleMap,
      maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds,
    }),
    metricsRoutes(metrics.registry.contentType, deps.scrape, roleMap),
    artifactRoutes({ registry, dir: resolve(config.models.dir), roleMap }),
    ...(deps.supply === undefined ? [] : [supplyRoutes({ publisher: deps.supply.publisher, audit: deps.supply.audit, roleMap, maxUploadBytes: config.models.maxUploadBytes })]),
    metricsSummaryRoutes(metrics, roleMap),
    whoamiRoutes({ roleMap, maxRows }),
  ])
  return { publicRoutes, apiRoutes }
}

/** The signed git webhook (public: its HMAC is checked before any work), when a git source is configured. */
function gitHook(deps: AppDeps, rateStore: RateLimitStore): Router<AppState>[] {
  const git = deps.supply?.git
  if (git === undefined) return []
  return [
    gitHookRoutes({
      sync: git.sync,
      secret: git.webhookSecret,
      maxDeliveryIds: git.maxDeliveryIds,
      limiter: rateLimit({ name: 'git_hook', rate: parseRate(git.webhookRate), identify: (ctx) => ctx.ip, metrics: deps.metrics, store: rateStore }),
      logger: deps.logger,
    }),
  ]
}

/** One router for several, so allowedMethods sees every method a path has. */
function combine(routers: Router<AppState>[]): Router<AppState> {
  const combined = new Router<AppState>()
  for (const router of routers) combined.use(router.routes())
  return combined
}

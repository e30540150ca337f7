import Koa from 'koa'
import type { Config } from '../config/schema.js'
import type { AppDeps } from './deps.js'
import {
  accessLogStage,
  apiRoutesStage,
  authFailuresStage,
  authenticatedShareStage,
  authenticateStage,
  bodyGuardStage,
  budgetStage,
  buildPipeline,
  corsStage,
  errorEnvelopeStage,
  notFoundStage,
  protocolStage,
  publicRoutesStage,
  rateLimitAddressStage,
  rateLimitSubjectStage,
  requestIdStage,
  securityHeadersStage,
} from './stages.js'
import type { AppState } from './state.js'

/**
 * Builds the Koa app: the pipeline of design.md, one line per stage, in the order a request
 * meets them. Everything before the body guard works from the request line and headers alone,
 * so nothing costly happens for a caller that is not authenticated and within its limits.
 */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = newKoa(deps.config)
  const pipeline = buildPipeline(deps)
  app.use(requestIdStage(pipeline))
  app.use(protocolStage())
  app.use(accessLogStage(pipeline))
  app.use(errorEnvelopeStage(pipeline))
  app.use(securityHeadersStage(pipeline))
  app.use(corsStage(pipeline))
  app.use(budgetStage(pipeline))
  app.use(rateLimitAddressStage(pipeline))
  app.use(publicRoutesStage(pipeline))
  app.use(authFailuresStage(pipeline))
  app.use(authenticateStage(pipeline))
  app.use(authenticatedShareStage(pipeline))
  app.use(rateLimitSubjectStage(pipeline))
  app.use(bodyGuardStage(pipeline))
  app.use(notFoundStage())
  app.use(apiRoutesStage(pipeline))
  return app
}

// X-Forwarded-For is read only behind trusted proxies, and then only its last `hops` entries.
function newKoa(config: Readonly<Config>): Koa<AppState> {
  const { trustProxy } = config.server
  const app = new Koa<AppState>({ proxy: trustProxy !== false, maxIpsCount: trustProxy === false ? 0 : Number(trustProxy) })
  app.silent = true
  return app
}

import Router from '@koa/router'
import type { ModelRegistry } from '../../models/registry.js'
import { ApiError } from '../../errors/api-error.js'
import { describeDown, streamsHoldingReadiness, type StreamStatusSource } from '../../streams/status.js'
import type { AppState } from '../state.js'
import type { RouteConfig } from '@asteasolutions/zod-to-openapi'
import { responseSchemas, type OpenApiSection } from '../openapi.js'

/**
 * GET /healthz (liveness) and GET /readyz (503 while loading or nothing serves). With streams
 * configured, /readyz lists them under `streams`; a stream that is down answers 503 only when it
 * is configured with `holdsReadiness` (a broker outage does not take HTTP replicas out of rotation).
 */
export function healthRoutes(registry: ModelRegistry, streams?: StreamStatusSource): Router<AppState> {
  const router = new Router<AppState>()
  router.get('/healthz', function liveness(ctx) {
    ctx.body = { status: 'ok' }
  })
  router.get('/readyz', function readiness(ctx) {
    const models = registry.list().map((model) => ({
      name: model.name,
      versions: [...model.versions.values()].map((version) => ({
        version: version.version,
        status: version.status,
        // Public: the short code only; the message behind it is in the log and the admin view.
        ...(version.code === undefined ? {} : { reason: version.code }),
      })),
    }))
    if (!registry.isReady()) {
      throw new ApiError('unavailable', 'not ready: models are loading or none is ready', {
        headers: { 'Retry-After': '1' },
        details: models,
      })
    }
    const holding = streamsHoldingReadiness(streams)
    if (holding.length > 0) {
      throw new ApiError('unavailable', `not ready: ${describeDown(holding)}`, { headers: { 'Retry-After': '1' }, details: holding })
    }
    ctx.body = { status: 'ready', models, ...(streams === undefined ? {} : { streams: streams.statuses() }) }
  })
  return router
}

/** The OpenAPI paths of the health routes: public, no token. */
export const healthOpenApi: OpenApiSection = (registry, shared) => {
  const open = (route: Omit<RouteConfig, 'security'>): void => registry.registerPath({ ...route, security: [] })
  open({
    method: 'get',
    path: '/healthz',
    tags: ['health'],
    summary: 'Liveness',
    operationId: 'liveness',
    responses: { 200: shared.ok('The process is up', responseSchemas.health), ...shared.errors('rate_limited') },
  })
  open({
    method: 'get',
    path: '/readyz',
    tags: ['health'],
    summary: 'Readiness',
    operationId: 'readiness',
    description:
      '503 while any model is still loading or none is ready; a model that failed to load is listed but does not hold readiness back. The 503 envelope lists the models in `details`.',
    responses: { 200: shared.ok('Ready to serve', responseSchemas.readiness), ...shared.errors('rate_limited', 'unavailable') },
  })
}

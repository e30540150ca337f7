import Router from '@koa/router'
import type { Registry } from 'prom-client'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission } from '../middleware/authorize.js'
import type { AppState } from '../state.js'
import { z } from 'zod'
import type { OpenApiSection } from '../openapi.js'

/** GET /metrics in the Prometheus text format, for the admin or metrics role. */
export function metricsRoutes(registry: Registry, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>()
  router.get('/metrics', requirePermission('metrics:read', roleMap), async function scrape(ctx) {
    ctx.type = registry.contentType
    ctx.body = await registry.metrics()
  })
  return router
}

/** The OpenAPI path of the scrape route. */
export const metricsOpenApi: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'get', path: '/metrics', tags: ['operations'], summary: 'Prometheus metrics (admin or metrics role)', operationId: 'metrics', security: shared.bearer,
    description: 'Served without a token on a separate listener when `metrics.port` is configured.',
    responses: {
      200: { description: 'The Prometheus text exposition format', headers: shared.requestIdHeader, content: { 'text/plain': { schema: z.string() } } },
      ...shared.errors(...shared.authenticatedErrors),
    },
  })
}

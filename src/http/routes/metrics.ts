import Router from '@koa/router'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission } from '../middleware/authorize.js'
import type { AppState } from '../state.js'
import { z } from 'zod'
import type { OpenApiSection } from '../openapi.js'

/** GET /metrics in the Prometheus text format, for the admin or metrics role; `scrape` sums every worker under --workers. */
export function metricsRoutes(contentType: string, scrape: () => Promise<string>, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>()
  router.get('/metrics', requirePermission('metrics:read', roleMap), async function scrapeMetrics(ctx) {
    ctx.type = contentType
    ctx.body = await scrape()
  })
  return router
}

/** The OpenAPI path of the scrape route. */
export const metricsOpenApi: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics (admin or metrics role)',
    operationId: 'metrics',
    security: shared.bearer,
    description: 'Served without a token on a separate listener when `metrics.port` is configured.',
    responses: {
      200: { description: 'The Prometheus text exposition format', headers: shared.requestIdHeader, content: { 'text/plain': { schema: z.string() } } },
      ...shared.errors(...shared.authenticatedErrors),
    },
  })
}

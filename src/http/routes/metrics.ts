import Router from '@koa/router'
import type { Registry } from 'prom-client'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission } from '../middleware/authorize.js'
import type { AppState } from '../state.js'

/** GET /metrics in the Prometheus text format, for the admin or metrics role. */
export function metricsRoutes(registry: Registry, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>()
  router.get('/metrics', requirePermission('metrics:read', roleMap), async function scrape(ctx) {
    ctx.type = registry.contentType
    ctx.body = await registry.metrics()
  })
  return router
}

import Router from '@koa/router'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission } from '../middleware/authorize.js'
import type { AppState } from '../state.js'

/** GET /metrics in the Prometheus text format, for the admin or metrics role; `scrape` sums every worker under --workers. */
export function metricsRoutes(contentType: string, scrape: () => Promise<string>, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>()
  router.get('/metrics', requirePermission('metrics:read', roleMap), async function scrapeMetrics(ctx) {
    ctx.type = contentType
    ctx.body = await scrape()
  })
  return router
}

import Router from '@koa/router'
import type { Metrics } from '../../observability/metrics.js'
import { summarizeMetrics } from '../../observability/metrics-summary.js'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission } from '../middleware/authorize.js'
import type { AppState } from '../state.js'

/** GET /api/v1/metrics/summary: a compact JSON digest of the registry, for the metrics or admin role. */
export function metricsSummaryRoutes(metrics: Metrics, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/metrics' })
  router.get('/summary', requirePermission('metrics:read', roleMap), async function metricsSummary(ctx) {
    ctx.body = { ...(await summarizeMetrics(metrics)), request_id: ctx.state.requestId }
  })
  return router
}

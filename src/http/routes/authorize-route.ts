import { ApiError } from '../../errors/api-error.js'
import type { ModelRegistry, Route } from '../../models/registry.js'
import type { Metrics } from '../../observability/metrics.js'
import { timeStageSync } from '../../observability/stage-timer.js'
import type { RoleMap } from '../../security/rbac.js'
import { assertModelAllows, assertPermission } from '../middleware/authorize.js'
import type { AppContext } from '../state.js'

/** What authorizeRoute needs; shared by the v1 predict and the OIP v2 infer handlers. */
export interface RouteGuard {
  registry: ModelRegistry
  metrics: Metrics
  roleMap: RoleMap
}

/**
 * The authorize stage of a prediction: the predict permission, the model's own roles, then the
 * version (canary-aware), all before the cache or a session is touched (design.md, invariant 1).
 */
export function authorizeRoute(ctx: AppContext, guard: RouteGuard, name: string, versionRef: string | undefined): Route {
  const route = timeStageSync(guard.metrics, 'authorize', () => {
    assertPermission(ctx.state.principal, 'predict', guard.roleMap)
    const model = guard.registry.get(name)
    if (model === undefined) throw new ApiError('not_found', `model "${name}" not found`)
    assertModelAllows(ctx.state.principal, model.metadata.roles, name)
    return guard.registry.route(name, versionRef, ctx.state.principal?.subject)
  })
  ctx.state.model = route.primary.model
  ctx.state.version = route.primary.version
  return route
}

import type { ModelRegistry, Route } from '../models/registry.js'
import type { Door } from '../observability/doors.js'
import type { Metrics } from '../observability/metrics.js'
import { timeStageSync } from '../observability/stage-timer.js'
import { guardModel } from '../security/model-access.js'
import type { Principal } from '../security/principal.js'
import type { RoleMap } from '../security/rbac.js'

/** One request from any door: who asks, which model, the body in the door's format, and how. */
export interface DoorRequest {
  /** The verified identity; undefined is refused like a token without the permission. */
  principal: Principal | undefined
  model: string
  /** A version number or alias; the model's routing (default, canary) when absent. */
  version?: string
  /** The request body in the door's format. */
  body: unknown
  /** Skip the cache lookup; the answer is still stored. */
  bypassCache?: boolean
  door: Door
}

/** What authorizing a prediction needs. */
export interface RouteAccess {
  registry: ModelRegistry
  metrics: Metrics
  roleMap: RoleMap
}

/**
 * The authorize stage of a prediction, for every door: the predict permission, the model's own
 * roles (src/security/model-access.ts), then the version (canary-aware), all before the cache or
 * a session is touched (design.md, invariant 1).
 */
function authorizeRoute(access: RouteAccess, principal: Principal | undefined, model: string, version: string | undefined, door: Door): Route {
  return timeStageSync(access.metrics, 'authorize', door, () => {
    guardModel(access.registry, principal, 'predict', model, access.roleMap)
    return access.registry.route(model, version, principal?.subject)
  })
}

/** What every door shares: its authorize step, the one way to a route. */
export abstract class AuthorizingDoor<Options extends RouteAccess> {
  constructor(protected readonly options: Options) {}

  /** Resolves the route a request will take, after its permission and the model's roles are checked. */
  authorize(principal: Principal | undefined, model: string, version?: string, door: Door = 'http'): Route {
    return authorizeRoute(this.options, principal, model, version, door)
  }
}

import type { Route } from '../models/registry.js'
import type { Door } from '../observability/doors.js'
import type { DoorRequest } from '../predict/door-request.js'
import type { Principal } from '../security/principal.js'
import { withChallenge } from './middleware/authorize.js'
import type { AppContext } from './state.js'

/** A door's authorize step (RowDoor, TensorDoor). */
export interface AuthorizingDoor {
  authorize(principal: Principal | undefined, model: string, version: string | undefined, door: Door): Route
}

/** An HTTP prediction call, ready for its door: the request and the route it was authorized for. */
export interface DoorCall {
  request: DoorRequest
  route: Route
}

/**
 * Turns a prediction route's context into a door request: authorized by the door (a refusal
 * gets the HTTP challenge), the model and version noted for the access log, and
 * `Cache-Control: no-cache` read as a cache bypass.
 */
export function doorCall(ctx: AppContext, door: AuthorizingDoor, model: string, version: string | undefined): DoorCall {
  const principal = ctx.state.principal
  const route = withChallenge(() => door.authorize(principal, model, version, 'http'))
  ctx.state.model = route.primary.model
  ctx.state.version = route.primary.version
  const bypassCache = /no-cache/i.test(ctx.get('Cache-Control'))
  return { route, request: { principal, model, version, body: ctx.state.body, bypassCache, door: 'http' } }
}

import type Router from '@koa/router'
import type { Route } from '../models/registry.js'
import type { AuthorizingDoor, DoorRequest, RouteAccess } from '../predict/door-request.js'
import { withChallenge } from './middleware/authorize.js'
import type { AppContext, AppState } from './state.js'

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
export function doorCall(ctx: AppContext, door: AuthorizingDoor<RouteAccess>, model: string, version: string | undefined): DoorCall {
  const principal = ctx.state.principal
  const route = withChallenge(() => door.authorize(principal, model, version, 'http'))
  ctx.state.model = route.primary.model
  ctx.state.version = route.primary.version
  const bypassCache = /no-cache/i.test(ctx.get('Cache-Control'))
  return { route, request: { principal, model, version, body: ctx.state.body, bypassCache, door: 'http' } }
}

/** Handles one prediction call on a model, by name and optional version. */
export type ModelCallHandler = (ctx: AppContext, model: string, version: string | undefined) => Promise<void>

/** Registers `POST /models/{name}/{action}` and `POST /models/{name}/versions/{version}/{action}` on a router. */
export function postModelAction(router: Router<AppState>, action: string, handle: ModelCallHandler): void {
  router.post(`/models/:name/${action}`, function byModel(ctx) {
    return handle(ctx, ctx.params.name ?? '', undefined)
  })
  router.post(`/models/:name/versions/:version/${action}`, function byVersion(ctx) {
    return handle(ctx, ctx.params.name ?? '', ctx.params.version)
  })
}

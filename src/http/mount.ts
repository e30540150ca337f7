import type Router from '@koa/router'
import type { Next } from 'koa'
import { ApiError } from '../errors/api-error.js'
import type { AppState } from './state.js'

type RouterContext = Parameters<ReturnType<Router<AppState>['routes']>>[0] & Parameters<ReturnType<Router<AppState>['allowedMethods']>>[0]

/** A mounted router: its routes and its 405/501 answers in one middleware. */
export type RouterMiddleware = (ctx: RouterContext, next: Next) => Promise<unknown>

/**
 * One middleware for a router: its routes, then 405/501 as envelope errors. With `gate`, paths
 * it refuses skip the router altogether.
 */
export function mountRouter(router: Router<AppState>, gate?: (path: string) => boolean): RouterMiddleware {
  const routes = router.routes()
  const allowedMethods = router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new ApiError('method_not_allowed', 'method not allowed on this route'),
    notImplemented: () => new ApiError('not_implemented', 'method not implemented'),
  })
  const both: RouterMiddleware = (ctx, next) => routes(ctx, () => allowedMethods(ctx, next))
  const mounted: RouterMiddleware = gate === undefined ? both : (ctx, next) => (gate(ctx.path) ? both(ctx, next) : next())
  // @koa/router marks its dispatcher with the router, for whatever lists an app's routes.
  return Object.assign(mounted, { router: routes.router })
}

/**
 * A cheap pre-check for a router: false when a path's first segment starts none of the router's
 * routes, so a prediction need not be matched against the public routes first. A router with a
 * route whose first segment is a parameter or a pattern gets a gate that lets every path through.
 */
export function pathGate(router: Router<AppState>): (path: string) => boolean {
  const segments = new Set<string>()
  for (const layer of router.stack) {
    // The root route (the console page) is the one path whose first segment is empty.
    if (layer.path === '/') {
      segments.add('')
      continue
    }
    const first = typeof layer.path === 'string' ? layer.path.split('/')[1] : undefined
    if (first === undefined || first === '' || /[:*(){}]/.test(first)) return () => true
    segments.add(first)
  }
  return (path) => {
    const end = path.indexOf('/', 1)
    return segments.has(path.slice(1, end === -1 ? undefined : end))
  }
}

import type Router from '@koa/router'
import type { AppContext, AppState } from './state.js'

/** The `{route}` label of requests that match no route (design.md, invariant 6). */
const UNMATCHED_ROUTE = 'unmatched'

/** The `{method}` label of methods outside the fixed set below. */
const OTHER_METHOD = 'OTHER'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** Finds the route template a path and method would match, for requests stopped before routing. */
export type RouteMatcher = (path: string, method: string) => string | undefined

/**
 * A matcher over the app's routers. A request refused before the router runs (401, 413, 415, 429)
 * still gets its route template; a path no route knows stays unmatched.
 */
export function routeMatcher(routers: readonly Router<AppState>[]): RouteMatcher {
  // Matching walks every layer's pattern; a client sends few distinct paths, so answers are
  // remembered, in a map emptied when it fills (any path may come, so it must stay bounded).
  const remembered = new Map<string, string | undefined>()
  return function matchRoute(path, method) {
    const key = `${method} ${path}`
    if (remembered.has(key)) return remembered.get(key)
    const template = firstTemplate(routers, path, method)
    if (remembered.size >= REMEMBERED_PATHS) remembered.clear()
    remembered.set(key, template)
    return template
  }
}

/** Paths whose route template a matcher remembers. */
const REMEMBERED_PATHS = 1024

function firstTemplate(routers: readonly Router<AppState>[], path: string, method: string): string | undefined {
  for (const router of routers) {
    const match = router.match(path, method)
    // A path that exists under another method (405) is still labelled with its template.
    const layers = match.pathAndMethod.length > 0 ? match.pathAndMethod : match.path
    const route = layers.findLast((layer) => layer.methods.length > 0)
    if (route !== undefined && typeof route.path === 'string') return route.path
  }
  return undefined
}

/**
 * The route template of a request, with any router prefix (`/api/v1/models/:name/predict`), never
 * the raw path: label values stay a bounded set (design.md, invariant 6).
 */
export function routeLabel(ctx: AppContext, matchRoute?: RouteMatcher): string {
  const matched = ctx._matchedRoute
  if (typeof matched === 'string') return matched
  return matchRoute?.(ctx.path, ctx.method) ?? UNMATCHED_ROUTE
}

/** The request method as a label value: one of a fixed set, else `OTHER`. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : OTHER_METHOD
}

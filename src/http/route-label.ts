import type { AppContext } from './state.js'

/** The route template of a request (never the raw path, design.md invariant 6). */
export function routeLabel(ctx: AppContext): string {
  const matched = ctx._matchedRoute
  return typeof matched === 'string' ? matched : 'unmatched'
}

import type { AppMiddleware } from '../state.js'

/** Options of anonymousAccess. */
export interface AnonymousAccessOptions {
  /** The roles every request acts with. */
  roles: readonly string[]
}

/**
 * Stands in for authenticate when `auth.enabled` is false (local experiments only: staging and
 * production refuse to start that way). Every request acts as subject "anonymous".
 */
export function anonymousAccess(options: AnonymousAccessOptions): AppMiddleware {
  const principal = Object.freeze({ subject: 'anonymous', roles: Object.freeze([...options.roles]), expiresAt: Number.POSITIVE_INFINITY })
  return async function anonymousAccess(ctx, next) {
    ctx.state.principal = principal
    await next()
  }
}

import type { Permission } from '../../config/schema.js'
import { isApiError } from '../../errors/api-error.js'
import type { Principal } from '../../security/principal.js'
import { assertPermission as checkPermission } from '../../security/model-access.js'
import type { RoleMap } from '../../security/rbac.js'
import { challenge } from './authenticate.js'
import type { AppMiddleware } from '../state.js'

/** A route guard: the principal's roles must grant `permission` (403 insufficient_scope). */
export function requirePermission(permission: Permission, roleMap: RoleMap): AppMiddleware {
  return async function authorize(ctx, next) {
    assertPermission(ctx.state.principal, permission, roleMap)
    await next()
  }
}

/** Throws 403, with the RFC 6750 challenge, unless the principal holds the permission. */
export function assertPermission(principal: Principal | undefined, permission: Permission, roleMap: RoleMap): void {
  withChallenge(() => checkPermission(principal, permission, roleMap))
}

/**
 * Runs a transport-free access check (src/security/model-access.ts) and gives a refusal the
 * `WWW-Authenticate: Bearer error="insufficient_scope"` challenge HTTP answers with (RFC 6750 §3).
 */
export function withChallenge<T>(check: () => T): T {
  try {
    return check()
  } catch (err) {
    if (!isApiError(err) || err.code !== 'insufficient_scope' || 'WWW-Authenticate' in err.headers) throw err
    err.headers['WWW-Authenticate'] = challenge('insufficient_scope', err.message)
    throw err
  }
}

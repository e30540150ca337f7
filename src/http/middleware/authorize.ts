import type { Permission } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import { hasPermission, modelAllows, type RoleMap } from '../../security/rbac.js'
import type { Principal } from '../../security/principal.js'
import { challenge } from './authenticate.js'
import type { AppMiddleware } from '../state.js'

/** A route guard: the principal's roles must grant `permission` (403 insufficient_scope). */
export function requirePermission(permission: Permission, roleMap: RoleMap): AppMiddleware {
  return async function authorize(ctx, next) {
    assertPermission(ctx.state.principal, permission, roleMap)
    await next()
  }
}

/** Throws 403 unless the principal holds the permission. */
export function assertPermission(principal: Principal | undefined, permission: Permission, roleMap: RoleMap): void {
  if (principal === undefined || !hasPermission(principal.roles, permission, roleMap)) {
    throw forbidden(`this route needs the ${permission} permission`)
  }
}

/** Throws 403 unless the model's own role list lets the principal call it. */
export function assertModelAllows(principal: Principal | undefined, modelRoles: readonly string[] | undefined, model: string): void {
  if (principal === undefined || !modelAllows(modelRoles, principal.roles)) {
    throw forbidden(`your roles may not call model "${model}"`)
  }
}

function forbidden(message: string): ApiError {
  return new ApiError('insufficient_scope', message, { headers: { 'WWW-Authenticate': challenge('insufficient_scope', message) } })
}

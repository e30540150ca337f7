import Router from '@koa/router'
import type { Permission } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import { hasPermission, type RoleMap } from '../../security/rbac.js'
import type { AppState } from '../state.js'

/** Every permission of the RBAC map (config `rbac.roles`), in the order the console lists them. */
const PERMISSIONS: readonly Permission[] = ['models:read', 'predict', 'metrics:read', 'models:admin', 'tokens:admin']

/** Options of whoamiRoutes. */
export interface WhoamiRouteOptions {
  roleMap: RoleMap
  /** The most rows one predict request may carry, so a client can chunk its batches. */
  maxRows: number
}

/**
 * GET /api/v1/me: who the token speaks for and what its roles allow, for any authenticated caller.
 * The console shows it and hides what the roles do not grant; the server still checks every call.
 */
export function whoamiRoutes(options: WhoamiRouteOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1' })
  router.get('/me', function whoami(ctx) {
    const principal = ctx.state.principal
    if (principal === undefined) throw new ApiError('invalid_token', 'a bearer token is required')
    const permissions = PERMISSIONS.filter((permission) => hasPermission(principal.roles, permission, options.roleMap))
    ctx.body = {
      subject: principal.subject,
      roles: principal.roles,
      permissions,
      expires_at: principal.expiresAt,
      ...(principal.jti === undefined ? {} : { jti: principal.jti }),
      limits: { max_rows: options.maxRows },
      request_id: ctx.state.requestId,
    }
  })
  return router
}

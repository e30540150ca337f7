import type { Config, Permission } from '../config/schema.js'

/** The permission map of the config, resolved to a lookup. */
export type RoleMap = Readonly<Record<string, readonly Permission[]>>

/** True when any of the roles grants the permission. */
export function hasPermission(roles: readonly string[], permission: Permission, roleMap: RoleMap): boolean {
  return roles.some((role) => Object.hasOwn(roleMap, role) && (roleMap[role] ?? []).includes(permission))
}

/** True when the model lets one of the roles call it; a model with no list allows every role. */
export function modelAllows(modelRoles: readonly string[] | undefined, roles: readonly string[]): boolean {
  return modelRoles === undefined || roles.some((role) => modelRoles.includes(role))
}

/** The role map from config. */
export function roleMapFrom(config: Readonly<Config>): RoleMap {
  return config.rbac.roles
}

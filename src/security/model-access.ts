import type { Permission } from '../config/schema.js'
import { ApiError } from '../errors/api-error.js'
import type { Principal } from './principal.js'
import { hasPermission, modelAllows, type RoleMap } from './rbac.js'

/** What the guard reads of a model: its name and its own role list (model.yaml `roles`). */
export interface GuardedModel {
  readonly name: string
  readonly metadata: { readonly roles?: readonly string[] }
}

/** Where the guard finds a model: `require` throws not_found for an unknown name (ModelRegistry.require). */
export interface ModelLookup<M extends GuardedModel> {
  require(name: string): M
}

/** Options of guardModel. */
export interface GuardOptions {
  /**
   * Check the model's own role list (default). Managing a model (`models:admin`) is the
   * permission's business alone: model.yaml `roles` say who may call a model, not who runs it.
   */
  ownRoles?: boolean
}

/**
 * The one model-access guard, for every door and route: the permission first, then the model
 * ("not found" only to a caller who holds the permission), then the model's own roles. Throws
 * insufficient_scope or not_found from the shared catalog; HTTP adds its challenge header.
 */
export function guardModel<M extends GuardedModel>(
  models: ModelLookup<M>,
  principal: Principal | undefined,
  permission: Permission,
  name: string,
  roleMap: RoleMap,
  options: GuardOptions = {},
): M {
  assertPermission(principal, permission, roleMap)
  const model = models.require(name)
  if (options.ownRoles !== false) assertModelAllows(principal, model)
  return model
}

/** Throws insufficient_scope unless the principal holds the permission. */
export function assertPermission(principal: Principal | undefined, permission: Permission, roleMap: RoleMap): void {
  if (principal === undefined || !hasPermission(principal.roles, permission, roleMap)) {
    throw new ApiError('insufficient_scope', `this route needs the ${permission} permission`)
  }
}

/** Throws insufficient_scope unless the model's own role list lets the principal call it. */
function assertModelAllows(principal: Principal | undefined, model: GuardedModel): void {
  if (principal === undefined || !modelAllows(model.metadata.roles, principal.roles)) {
    throw new ApiError('insufficient_scope', `your roles may not call model "${model.name}"`)
  }
}

import Router from '@koa/router'
import { z } from 'zod'
import { ApiError } from '../../errors/api-error.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { Logger } from '../../observability/logger.js'
import type { RevocationStore } from '../../security/revocation.js'
import { guardModel } from '../../security/model-access.js'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission, withChallenge } from '../middleware/authorize.js'
import type { AppContext, AppState } from '../state.js'
import { modelSummary } from '../views/model-view.js'
import { responseSchemas, type OpenApiSection } from '../openapi.js'

/** What the admin routes need. */
export interface AdminRouteOptions {
  registry: ModelRegistry
  revocations: RevocationStore
  logger: Logger
  roleMap: RoleMap
  maxTokenLifetimeSeconds: number
}

/** The revoke body: a token id, and optionally until when (defaults to the longest token lifetime). */
export const revokeBodySchema = z.strictObject({
  jti: z.string().min(1).max(256),
  exp: z.number().int().positive().optional(),
})

/** Model lifecycle and token revocation, for the admin role; each action is logged with its subject. */
export function adminRoutes(options: AdminRouteOptions): Router<AppState> {
  const { registry, revocations, logger, roleMap } = options
  const router = new Router<AppState>({ prefix: '/api/v1/admin' })
  // The model-access guard, as on every route; managing a model is not bound by its own roles.
  const managed = (ctx: AppContext): string => withChallenge(() => guardModel(registry, ctx.state.principal, 'models:admin', ctx.params.name ?? '', roleMap, { ownRoles: false })).name
  router.post('/models/:name/activate', function activateModel(ctx) {
    const model = registry.activate(managed(ctx))
    logger.info('model activated', { request_id: ctx.state.requestId, subject: ctx.state.principal?.subject, model: model.name })
    ctx.body = { ...modelSummary(model), request_id: ctx.state.requestId }
  })
  router.post('/models/:name/deactivate', function deactivateModel(ctx) {
    const model = registry.deactivate(managed(ctx))
    logger.info('model deactivated', { request_id: ctx.state.requestId, subject: ctx.state.principal?.subject, model: model.name })
    ctx.body = { ...modelSummary(model), request_id: ctx.state.requestId }
  })
  // Only the permission: a reload may bring in a model the registry does not know yet.
  router.post('/models/:name/reload', requirePermission('models:admin', roleMap), async function reloadModel(ctx) {
    const model = await registry.reload(ctx.params.name ?? '')
    logger.info('model reloaded', { request_id: ctx.state.requestId, subject: ctx.state.principal?.subject, model: model.name })
    ctx.body = { ...modelSummary(model), request_id: ctx.state.requestId }
  })
  router.post('/tokens/revoke', requirePermission('tokens:admin', roleMap), async function revokeToken(ctx) {
    const parsed = revokeBodySchema.safeParse(ctx.state.body)
    if (!parsed.success) throw new ApiError('invalid_input', 'body must be {"jti": "<token id>"}')
    const until = parsed.data.exp ?? Math.ceil(Date.now() / 1000) + options.maxTokenLifetimeSeconds
    await revocations.revoke(parsed.data.jti, until)
    logger.info('token revoked', { request_id: ctx.state.requestId, subject: ctx.state.principal?.subject, jti: parsed.data.jti })
    ctx.body = { revoked: parsed.data.jti, until, request_id: ctx.state.requestId }
  })
  return router
}

/** The OpenAPI paths of the admin routes. */
export const adminOpenApi: OpenApiSection = (registry, shared) => {
  const actions = [
    ['activate', 'activateModel', 'Let a model take predictions again'],
    ['deactivate', 'deactivateModel', 'Stop a model taking predictions (409 model_inactive)'],
    ['reload', 'reloadModel', 'Reload a model beside the live version and swap when ready'],
  ] as const
  for (const [action, operationId, summary] of actions) {
    registry.registerPath({
      method: 'post', path: `/api/v1/admin/models/{name}/${action}`, tags: ['admin'], summary, operationId, security: shared.bearer,
      request: { params: z.object({ name: shared.params.name }) },
      responses: { 200: shared.ok('The model after the action', responseSchemas.modelAction), ...shared.errors('not_found', ...shared.authenticatedErrors) },
    })
  }
  // clone(): zod 4 copies methods onto each instance, so a schema made before extendZodWithOpenApi ran has no .openapi().
  const revokeBody = registry.register('RevokeRequest', revokeBodySchema.clone())
  registry.registerPath({
    method: 'post', path: '/api/v1/admin/tokens/revoke', tags: ['admin'], summary: 'Revoke a token by its `jti`', operationId: 'revokeToken', security: shared.bearer,
    description: '`exp` (epoch seconds) bounds how long the id is kept; the longest token lifetime when omitted.',
    request: { body: { required: true, content: { 'application/json': { schema: revokeBody, example: { jti: 'a1b2c3' } } } } },
    responses: { 200: shared.ok('Revoked', responseSchemas.revoked), ...shared.errors(...shared.bodyErrors, ...shared.authenticatedErrors) },
  })
}

import Router from '@koa/router'
import type { Context } from 'koa'
import { z } from 'zod'
import type { AuditLog } from '../../audit/audit-log.js'
import type { Control } from '../../control/control.js'
import { ApiError } from '../../errors/api-error.js'
import type { ModelRegistry, ModelState } from '../../models/registry.js'
import type { Logger } from '../../observability/logger.js'
import { guardModel } from '../../security/model-access.js'
import type { RevocationStore } from '../../security/revocation.js'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission, withChallenge } from '../middleware/authorize.js'
import { responseSchemas, type OpenApiSection } from '../openapi.js'
import type { AppContext, AppState } from '../state.js'
import { modelDetail, modelSummary } from '../views/model-view.js'

/** What the admin routes need. */
export interface AdminRouteOptions {
  /** Model changes go through the fleet's control, so every worker and replica sees them. */
  control: Control
  /** Where the model-access guard looks models up. */
  registry: ModelRegistry
  revocations: RevocationStore
  /** Every accepted change is one entry here (and its one log line). */
  audit: AuditLog
  logger: Logger
  roleMap: RoleMap
  maxTokenLifetimeSeconds: number
}

/** The revoke body: a token id, and optionally until when (defaults to the longest token lifetime). */
const revokeBodySchema = z.strictObject({
  jti: z.string().min(1).max(256),
  exp: z.number().int().positive().optional(),
})

/** The alias body: the version number the alias names. */
export const aliasBodySchema = z.strictObject({
  version: z.union([z.string().regex(/^[1-9]\d*$/), z.number().int().positive()]).transform(String),
})

const splitSchema = z.strictObject({
  /** A version number or an alias. */
  version: z.union([z.string().regex(/^([1-9]\d*|[a-z][a-z0-9_-]*)$/), z.number().int().positive()]).transform(String),
  /** Percent of subjects (canary) or of requests (shadow), 0–100. */
  weight: z.number().min(0).max(100),
})

/** The traffic body: canary and/or shadow; an omitted key stays as it is, `null` stops that split. */
export const trafficBodySchema = z
  .strictObject({
    canary: splitSchema.nullable().optional(),
    shadow: splitSchema.nullable().optional(),
  })
  .refine((body) => body.canary !== undefined || body.shadow !== undefined, { message: 'give "canary", "shadow" or both' })

/**
 * Model control and token revocation, for the admin role. Every change is audited once, here, by
 * the process that accepted it: one `admin change` line with who, what and when.
 */
export function adminRoutes(options: AdminRouteOptions): Router<AppState> {
  const { control, registry, revocations, roleMap } = options
  const router = new Router<AppState>({ prefix: '/api/v1/admin' })
  const canAdminModels = requirePermission('models:admin', roleMap)
  // The model-access guard, as on every route; managing a model is not bound by its own roles.
  const managed = (ctx: AppContext): string =>
    withChallenge(() => guardModel(registry, ctx.state.principal, 'models:admin', ctx.params.name ?? '', roleMap, { ownRoles: false })).name
  const audit = auditor(options.audit)
  router.post('/models/:name/activate', async function activateModel(ctx) {
    const model = await control.activate(managed(ctx))
    audit(ctx, 'model.activate', { model: model.name })
    ctx.body = { ...modelSummary(model, true), request_id: ctx.state.requestId }
  })
  router.post('/models/:name/deactivate', async function deactivateModel(ctx) {
    const model = await control.deactivate(managed(ctx))
    audit(ctx, 'model.deactivate', { model: model.name })
    ctx.body = { ...modelSummary(model, true), request_id: ctx.state.requestId }
  })
  // Only the permission: a reload may bring in a model the registry does not know yet.
  router.post('/models/:name/reload', canAdminModels, async function reloadModel(ctx) {
    const model = await control.reload(ctx.params.name ?? '')
    audit(ctx, 'model.reload', { model: model.name })
    ctx.body = { ...modelSummary(model, true), request_id: ctx.state.requestId }
  })
  router.put('/models/:name/aliases/:alias', async function setAlias(ctx) {
    const name = managed(ctx)
    const parsed = aliasBodySchema.safeParse(ctx.state.body)
    if (!parsed.success) throw new ApiError('invalid_input', 'body must be {"version": "<version number>"}')
    const model = await control.setAlias(name, ctx.params.alias ?? '', parsed.data.version)
    audit(ctx, 'model.alias.set', { model: model.name, alias: ctx.params.alias, version: parsed.data.version })
    answerDetail(ctx, model)
  })
  router.delete('/models/:name/aliases/:alias', async function removeAlias(ctx) {
    const model = await control.removeAlias(managed(ctx), ctx.params.alias ?? '')
    audit(ctx, 'model.alias.remove', { model: model.name, alias: ctx.params.alias })
    answerDetail(ctx, model)
  })
  router.put('/models/:name/traffic', async function setTraffic(ctx) {
    const name = managed(ctx)
    const parsed = trafficBodySchema.safeParse(ctx.state.body)
    if (!parsed.success) throw new ApiError('invalid_input', 'body must be {"canary": {"version": "2", "weight": 10} | null, "shadow": {...} | null}')
    const model = await control.setTraffic(name, parsed.data)
    audit(ctx, 'model.traffic.set', { model: model.name, canary: parsed.data.canary, shadow: parsed.data.shadow })
    answerDetail(ctx, model)
  })
  router.post('/tokens/revoke', requirePermission('tokens:admin', roleMap), async function revokeToken(ctx) {
    const parsed = revokeBodySchema.safeParse(ctx.state.body)
    if (!parsed.success) throw new ApiError('invalid_input', 'body must be {"jti": "<token id>"}')
    const until = parsed.data.exp ?? Math.ceil(Date.now() / 1000) + options.maxTokenLifetimeSeconds
    await revocations.revoke(parsed.data.jti, until)
    audit(ctx, 'token.revoke', { jti: parsed.data.jti })
    ctx.body = { revoked: parsed.data.jti, until, request_id: ctx.state.requestId }
  })
  return router
}

/** Each admin action and the message of its audit line. */
const AUDIT_MESSAGES = {
  'model.activate': 'model activated',
  'model.deactivate': 'model deactivated',
  'model.reload': 'model reloaded',
  'model.alias.set': 'model alias set',
  'model.alias.remove': 'model alias removed',
  'model.traffic.set': 'model traffic set',
  'token.revoke': 'token revoked',
} as const

/** An admin action, as the audit line's `action` names it. */
export type AdminAction = keyof typeof AUDIT_MESSAGES

/**
 * Writes the one audit line of an accepted change, marked `audit: true`: who (subject), what
 * (action and its arguments) and when (`at`). Processes that merely apply the change log nothing at info.
 */
function auditor(audit: AuditLog): (ctx: Context & { state: AppState }, action: AdminAction, what: Record<string, unknown>) => void {
  return (ctx, action, what) => {
    const { model, version, ...rest } = what
    audit.record({
      message: AUDIT_MESSAGES[action],
      actor: ctx.state.principal?.subject ?? 'anonymous',
      action,
      ...(typeof model === 'string' ? { model } : {}),
      ...(typeof version === 'string' ? { version } : {}),
      outcome: 'ok',
      ...(Object.keys(rest).length > 0 ? { detail: JSON.stringify(rest) } : {}),
      requestId: ctx.state.requestId,
    })
  }
}

function answerDetail(ctx: Context & { state: AppState }, model: ModelState): void {
  ctx.body = { ...modelDetail(model, true), request_id: ctx.state.requestId }
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
      method: 'post',
      path: `/api/v1/admin/models/{name}/${action}`,
      tags: ['admin'],
      summary,
      operationId,
      security: shared.bearer,
      request: { params: z.object({ name: shared.params.name }) },
      responses: { 200: shared.ok('The model after the action', responseSchemas.modelAction), ...shared.errors('not_found', ...shared.authenticatedErrors, 'unavailable') },
    })
  }
  // clone(): zod 4 copies methods onto each instance, so a schema made before extendZodWithOpenApi ran has no .openapi().
  const revokeBody = registry.register('RevokeRequest', revokeBodySchema.clone())
  registry.registerPath({
    method: 'post',
    path: '/api/v1/admin/tokens/revoke',
    tags: ['admin'],
    summary: 'Revoke a token by its `jti`',
    operationId: 'revokeToken',
    security: shared.bearer,
    description: '`exp` (epoch seconds) bounds how long the id is kept; the longest token lifetime when omitted.',
    request: { body: { required: true, content: { 'application/json': { schema: revokeBody, example: { jti: 'a1b2c3' } } } } },
    responses: { 200: shared.ok('Revoked', responseSchemas.revoked), ...shared.errors(...shared.bodyErrors, ...shared.authenticatedErrors) },
  })
}

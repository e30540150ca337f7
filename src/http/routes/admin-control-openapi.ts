import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import { z } from 'zod'
import type { ErrorCode } from '../../errors/api-error.js'
import type { OpenApiShared } from '../openapi.js'
import { aliasBodySchema, trafficBodySchema } from './admin.js'

const ERRORS: ErrorCode[] = ['invalid_input', 'not_found', 'invalid_token', 'insufficient_scope', 'rate_limited', 'internal', 'unavailable']

const modelDetail = {
  description: 'The model after the change, as `GET /api/v1/models/{name}` describes it; every worker and replica serves it within 2 s',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ModelDetail' } } },
}

/**
 * The fleet-wide model control routes in the OpenAPI document: aliases and canary/shadow weights.
 * 503 `unavailable` when the shared store (Redis) cannot be reached: nothing was changed.
 */
export function adminControlOpenApi(registry: OpenAPIRegistry, shared: OpenApiShared): void {
  const name = z.string().openapi({ param: { description: 'The model name' }, example: 'iris' })
  const alias = z.string().openapi({ param: { description: 'The alias: lower-case letters, digits, "_" and "-", starting with a letter' }, example: 'production' })
  // clone(): zod 4 copies methods onto each instance, so a schema made before extendZodWithOpenApi ran has no .openapi().
  const aliasBody = registry.register('AliasRequest', aliasBodySchema.clone())
  const trafficBody = registry.register('TrafficRequest', trafficBodySchema.clone())
  registry.registerPath({
    method: 'put',
    path: '/api/v1/admin/models/{name}/aliases/{alias}',
    tags: ['admin'],
    operationId: 'setAlias',
    security: shared.bearer,
    summary: 'Point an alias at a version, on every worker and replica',
    request: { params: z.object({ name, alias }), body: { content: { 'application/json': { schema: aliasBody } } } },
    responses: { 200: modelDetail, ...shared.errors(...ERRORS) },
  })
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/admin/models/{name}/aliases/{alias}',
    tags: ['admin'],
    operationId: 'removeAlias',
    security: shared.bearer,
    summary: 'Remove an alias (400 while the default version, canary or shadow names it)',
    request: { params: z.object({ name, alias }) },
    responses: { 200: modelDetail, ...shared.errors(...ERRORS) },
  })
  registry.registerPath({
    method: 'put',
    path: '/api/v1/admin/models/{name}/traffic',
    tags: ['admin'],
    operationId: 'setTraffic',
    security: shared.bearer,
    summary: 'Set or stop the canary and shadow splits: `{"canary": {"version": "2", "weight": 10}, "shadow": null}`; an omitted key stays',
    request: { params: z.object({ name }), body: { content: { 'application/json': { schema: trafficBody } } } },
    responses: { 200: modelDetail, ...shared.errors(...ERRORS) },
  })
}

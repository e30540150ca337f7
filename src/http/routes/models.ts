import Router from '@koa/router'
import type { ModelRegistry } from '../../models/registry.js'
import { guardModel } from '../../security/model-access.js'
import { hasPermission, modelAllows, type RoleMap } from '../../security/rbac.js'
import { requirePermission, withChallenge } from '../middleware/authorize.js'
import type { AppState } from '../state.js'
import { modelDetail, modelSummary } from '../views/model-view.js'
import { z } from 'zod'
import { responseSchemas, type OpenApiSection } from '../openapi.js'

/** GET /api/v1/models and /api/v1/models/{name}: only the models the caller's roles may call. */
export function modelRoutes(registry: ModelRegistry, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/models' })
  const canRead = requirePermission('models:read', roleMap)
  router.get('/', canRead, function listModels(ctx) {
    const roles = ctx.state.principal?.roles ?? []
    const models = registry.list().filter((model) => modelAllows(model.metadata.roles, roles))
    // The messages behind load-failure codes are for model admins only.
    const detailed = hasPermission(roles, 'models:admin', roleMap)
    ctx.body = { models: models.map((model) => modelSummary(model, detailed)), request_id: ctx.state.requestId }
  })
  router.get('/:name', function describeModel(ctx) {
    const model = withChallenge(() => guardModel(registry, ctx.state.principal, 'models:read', ctx.params.name ?? '', roleMap))
    const detailed = hasPermission(ctx.state.principal?.roles ?? [], 'models:admin', roleMap)
    ctx.body = { ...modelDetail(model, detailed), request_id: ctx.state.requestId }
  })
  return router
}

/** The OpenAPI paths of the model listing routes. */
export const modelsOpenApi: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/models',
    tags: ['models'],
    summary: 'The models your roles may call',
    operationId: 'listModels',
    security: shared.bearer,
    responses: { 200: shared.ok('Model summaries, sorted by name', responseSchemas.modelList), ...shared.errors(...shared.authenticatedErrors) },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/models/{name}',
    tags: ['models'],
    summary: 'One model: inputs, outputs, dtypes, shapes, labels, versions, status',
    operationId: 'describeModel',
    security: shared.bearer,
    request: { params: z.object({ name: shared.params.name }) },
    responses: { 200: shared.ok('The model', responseSchemas.modelDetail), ...shared.errors('not_found', ...shared.authenticatedErrors) },
  })
}

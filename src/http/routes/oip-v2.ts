import Router from '@koa/router'
import { packageVersion } from '../../config/package-version.js'
import { ApiError, isApiError } from '../../errors/api-error.js'
import type { LoadedVersion } from '../../models/loaded-version.js'
import type { ModelState } from '../../models/model-state.js'
import type { ModelRegistry } from '../../models/registry.js'
import { oipDatatype, type TensorSpec } from '../../models/tensor-io.js'
import type { Metrics } from '../../observability/metrics.js'
import { timeStageSync } from '../../observability/stage-timer.js'
import type { TensorDoor } from '../../predict/tensor-door.js'
import { guardModel } from '../../security/model-access.js'
import type { RoleMap } from '../../security/rbac.js'
import { describeDown, streamsHoldingReadiness, type StreamStatusSource } from '../../streams/status.js'
import { doorCall, postModelAction, type ModelCallHandler } from '../door-call.js'
import { assertPermission, withChallenge } from '../middleware/authorize.js'
import { setJsonBody } from '../json-body.js'
import type { AppContext, AppMiddleware, AppState } from '../state.js'
import { z } from 'zod'
import type { ErrorCode } from '../../errors/api-error.js'
import { inferRequestSchema } from '../../predict/tensor-input.js'
import { oipResponseSchemas, type OpenApiSection } from '../openapi.js'

/** What the Open Inference Protocol routes need. */
export interface OipRouteOptions {
  registry: ModelRegistry
  /** The transport-free door for tensors: access guard, validation and the inference core. */
  door: TensorDoor
  metrics: Metrics
  roleMap: RoleMap
}

/** The platform name the protocol gives ONNX Runtime models ("Platforms"). */
const OIP_PLATFORM = 'onnx_onnxv1'

// Case-blind like the router, which serves /V2/models/... as /v2/models/...
const OIP_PATH = /^\/v2(\/|$)/i

/**
 * Marks requests under /v2 so every error on them, from any stage (401, 413, 429…), renders as the
 * protocol's `{"error": "..."}` (contract.md, "Status codes and the error envelope").
 */
export function oipProtocol(): AppMiddleware {
  return function oipProtocol(ctx, next) {
    if (OIP_PATH.test(ctx.path)) ctx.state.protocol = 'oip'
    return next()
  }
}

/** GET /v2/health/live and /v2/health/ready: public, like /healthz and /readyz (streams included). */
export function oipHealthRoutes(registry: ModelRegistry, streams?: StreamStatusSource): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/v2/health' })
  router.get('/live', function serverLive(ctx) {
    ctx.body = { live: true }
  })
  router.get('/ready', function serverReady(ctx) {
    if (!registry.isReady()) throw new ApiError('unavailable', 'not ready: models are loading or none is ready', { headers: { 'Retry-After': '1' } })
    const holding = streamsHoldingReadiness(streams)
    if (holding.length > 0) throw new ApiError('unavailable', `not ready: ${describeDown(holding)}`, { headers: { 'Retry-After': '1' } })
    ctx.body = { ready: true, ...(streams === undefined ? {} : { streams: streams.statuses() }) }
  })
  return router
}

/**
 * The Open Inference Protocol v2 REST routes (KServe / Triton "Predict Protocol - Version 2"):
 * server and model metadata, model readiness and inference, behind the same authentication,
 * roles, rate limits, validation, cache and metrics as /api/v1. Only the wire format differs.
 */
export function oipRoutes(options: OipRouteOptions): Router<AppState> {
  const { registry, roleMap } = options
  const router = new Router<AppState>({ prefix: '/v2' })
  router.get('/', function serverMetadata(ctx) {
    assertPermission(ctx.state.principal, 'models:read', roleMap)
    ctx.body = { name: 'portcullis', version: packageVersion(), extensions: [] }
  })
  const describe = (ctx: AppContext, versionRef: string | undefined): void => {
    const model = readableModel(ctx, options, ctx.params.name ?? '')
    ctx.body = modelMetadata(model, registry.resolve(model.name, versionRef, { allowDeactivated: true }))
  }
  const ready = (ctx: AppContext, versionRef: string | undefined): void => {
    const model = readableModel(ctx, options, ctx.params.name ?? '')
    try {
      registry.resolve(model.name, versionRef)
    } catch (err) {
      if (!isApiError(err) || err.code === 'not_found') throw err
      throw new ApiError('unavailable', `model "${model.name}" is not ready: ${err.message}`, { headers: { 'Retry-After': '1' }, cause: err })
    }
    ctx.body = { name: model.name, ready: true }
  }
  router.get('/models/:name', function modelMetadataRoute(ctx) {
    describe(ctx, undefined)
  })
  router.get('/models/:name/versions/:version', function versionMetadataRoute(ctx) {
    describe(ctx, ctx.params.version)
  })
  router.get('/models/:name/ready', function modelReady(ctx) {
    ready(ctx, undefined)
  })
  router.get('/models/:name/versions/:version/ready', function versionReady(ctx) {
    ready(ctx, ctx.params.version)
  })
  postModelAction(router, 'infer', inferHandler(options))
  return router
}

function inferHandler({ door, metrics }: OipRouteOptions): ModelCallHandler {
  return async function infer(ctx, name, versionRef) {
    const { request, route } = doorCall(ctx, door, name, versionRef)
    const answer = await door.infer(request, route)
    timeStageSync(metrics, 'serialize', 'http', () => {
      const id = answer.id === undefined ? {} : { id: answer.id }
      setJsonBody(ctx, { model_name: answer.model, model_version: answer.version, ...id, outputs: answer.outputs })
    })
  }
}

/** The model, after the models:read permission and the model's own roles have been checked. */
function readableModel(ctx: AppContext, options: OipRouteOptions, name: string): ModelState {
  return withChallenge(() => guardModel(options.registry, ctx.state.principal, 'models:read', name, options.roleMap))
}

/** The protocol's `$metadata_model_response`; map and sequence values, which it cannot carry, are left out. */
function modelMetadata(model: ModelState, version: LoadedVersion): Record<string, unknown> {
  const versions = [...model.versions.values()].filter((state) => state.loaded !== undefined && state.status !== 'inactive').map((state) => state.version)
  return {
    name: model.name,
    versions,
    platform: OIP_PLATFORM,
    inputs: tensorMetadata(version.inputs),
    outputs: tensorMetadata(version.outputs),
  }
}

function tensorMetadata(specs: readonly TensorSpec[]): { name: string; datatype: string; shape: number[] }[] {
  return specs.flatMap((spec) => {
    const datatype = oipDatatype(spec.dtype)
    return datatype === undefined ? [] : [{ name: spec.name, datatype, shape: spec.shape }]
  })
}

/** The OpenAPI paths of the Open Inference Protocol routes. */
export const oipOpenApi: OpenApiSection = (registry, shared) => {
  oipServerOpenApi(registry, shared)
  oipModelOpenApi(registry, shared)
}

/** Health and server metadata. */
const oipServerOpenApi: OpenApiSection = (registry, shared) => {
  const health = (path: string, operationId: string, summary: string, schema: z.ZodType, codes: ErrorCode[]): void => {
    registry.registerPath({
      method: 'get',
      path,
      tags: ['oip-v2'],
      summary,
      operationId,
      security: [],
      responses: { 200: shared.ok(summary, schema), ...shared.oipErrors('rate_limited', ...codes) },
    })
  }
  health('/v2/health/live', 'oipServerLive', 'Server liveness', oipResponseSchemas.live, [])
  health('/v2/health/ready', 'oipServerReady', 'Server readiness', oipResponseSchemas.ready, ['unavailable'])
  registry.registerPath({
    method: 'get',
    path: '/v2',
    tags: ['oip-v2'],
    summary: 'Server metadata',
    operationId: 'oipServerMetadata',
    security: shared.bearer,
    responses: { 200: shared.ok('Server metadata', oipResponseSchemas.serverMetadata), ...shared.oipErrors(...shared.authenticatedErrors) },
  })
}

/** Model metadata, readiness and inference, each with and without /versions/{version}. */
const oipModelOpenApi: OpenApiSection = (registry, shared) => {
  // Each model route exists with and without /versions/{version}.
  const both = (suffix: string, define: (path: string, params: z.ZodObject, id: string) => void): void => {
    define(`/v2/models/{name}${suffix}`, z.object({ name: shared.params.name }), '')
    define(`/v2/models/{name}/versions/{version}${suffix}`, z.object({ name: shared.params.name, version: shared.params.version }), 'Version')
  }
  both('', (path, params, id) =>
    registry.registerPath({
      method: 'get',
      path,
      tags: ['oip-v2'],
      summary: 'Model metadata: inputs and outputs with protocol datatypes',
      operationId: `oipModel${id}Metadata`,
      security: shared.bearer,
      request: { params },
      responses: { 200: shared.ok('Model metadata', oipResponseSchemas.modelMetadata), ...shared.oipErrors('not_found', ...shared.authenticatedErrors) },
    }),
  )
  both('/ready', (path, params, id) =>
    registry.registerPath({
      method: 'get',
      path,
      tags: ['oip-v2'],
      summary: 'Model readiness (503 when it cannot serve)',
      operationId: `oipModel${id}Ready`,
      security: shared.bearer,
      request: { params },
      responses: { 200: shared.ok('Ready', oipResponseSchemas.modelReady), ...shared.oipErrors('not_found', 'unavailable', ...shared.authenticatedErrors) },
    }),
  )
  // clone(): see adminOpenApi in routes/admin.ts.
  const inferBody = registry.register('OipInferRequest', inferRequestSchema.clone())
  both('/infer', (path, params, id) =>
    registry.registerPath({
      method: 'post',
      path,
      tags: ['oip-v2'],
      summary: 'Inference',
      operationId: `oipModel${id}Infer`,
      security: shared.bearer,
      request: {
        params,
        body: {
          required: true,
          content: { 'application/json': { schema: inferBody, example: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] } } },
        },
      },
      responses: {
        200: shared.ok('The output tensors', oipResponseSchemas.infer),
        ...shared.oipErrors(...shared.bodyErrors, 'not_found', 'model_inactive', 'unavailable', ...shared.authenticatedErrors),
      },
    }),
  )
}

import { readFileSync } from 'node:fs'
import Router from '@koa/router'
import { ApiError, isApiError } from '../../errors/api-error.js'
import type { LoadedVersion } from '../../models/loaded-version.js'
import type { ModelState } from '../../models/model-state.js'
import type { ModelRegistry } from '../../models/registry.js'
import { oipDatatype, type TensorSpec } from '../../models/tensor-io.js'
import type { Metrics } from '../../observability/metrics.js'
import { timeStageSync } from '../../observability/stage-timer.js'
import { sameAnswer, type ShadowMirror } from '../../predict/shadow.js'
import { checkInferRequest } from '../../predict/tensor-input.js'
import type { OutputTensor, TensorPredictor } from '../../predict/tensor-predictor.js'
import type { RoleMap } from '../../security/rbac.js'
import { describeDown, streamsHoldingReadiness, type StreamStatusSource } from '../../streams/status.js'
import { assertModelAllows, assertPermission } from '../middleware/authorize.js'
import { setJsonBody } from '../json-body.js'
import type { AppContext, AppMiddleware, AppState } from '../state.js'
import { authorizeRoute } from './authorize-route.js'

/** What the Open Inference Protocol routes need. */
export interface OipRouteOptions {
  registry: ModelRegistry
  predictor: TensorPredictor
  metrics: Metrics
  roleMap: RoleMap
  /** Largest batch dimension, as `limits.maxRows`. */
  maxRows: number
  shadows?: ShadowMirror
}

/** The platform name the protocol gives ONNX Runtime models ("Platforms"). */
export const OIP_PLATFORM = 'onnx_onnxv1'

const SERVER_VERSION = readServerVersion()

/**
 * Marks requests under /v2 so every error on them, from any stage (401, 413, 429…), renders as the
 * protocol's `{"error": "..."}` (contract.md, "Status codes and the error envelope").
 */
export function oipProtocol(): AppMiddleware {
  return function oipProtocol(ctx, next) {
    if (ctx.path === '/v2' || ctx.path.startsWith('/v2/')) ctx.state.protocol = 'oip'
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
  const infer = inferHandler(options)
  router.get('/', function serverMetadata(ctx) {
    assertPermission(ctx.state.principal, 'models:read', roleMap)
    ctx.body = { name: 'portcullis', version: SERVER_VERSION, extensions: [] }
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
  router.post('/models/:name/infer', function modelInfer(ctx) {
    return infer(ctx, ctx.params.name ?? '', undefined)
  })
  router.post('/models/:name/versions/:version/infer', function versionInfer(ctx) {
    return infer(ctx, ctx.params.name ?? '', ctx.params.version)
  })
  return router
}

function inferHandler(options: OipRouteOptions) {
  const { predictor, metrics } = options
  const limits = { maxRows: options.maxRows }
  return async function infer(ctx: AppContext, name: string, versionRef: string | undefined): Promise<void> {
    const route = authorizeRoute(ctx, options, name, versionRef)
    const version = route.primary
    const body = ctx.state.body ?? missingBody()
    const request = timeStageSync(metrics, 'validate', () => checkInferRequest(version, body, limits))
    const answer = await predictor.infer(version, request, { bypassCache: /no-cache/i.test(ctx.get('Cache-Control')) })
    const shadow = route.shadow
    if (shadow !== undefined && options.shadows !== undefined) {
      options.shadows.mirror({
        model: version.model,
        version: shadow.version,
        primary: answer.outputs,
        run: async () => (await predictor.infer(shadow, checkInferRequest(shadow, body, limits), { shadow: true })).outputs,
        agree: sameOutputs,
      })
    }
    timeStageSync(metrics, 'serialize', () => {
      setJsonBody(ctx, {
        model_name: answer.model,
        model_version: answer.version,
        ...(request.id === undefined ? {} : { id: request.id }),
        outputs: answer.outputs,
      })
    })
  }
}

/** The model, after the models:read permission and the model's own roles have been checked. */
function readableModel(ctx: AppContext, options: OipRouteOptions, name: string): ModelState {
  assertPermission(ctx.state.principal, 'models:read', options.roleMap)
  const model = options.registry.get(name)
  if (model === undefined) throw new ApiError('not_found', `model "${name}" not found`)
  assertModelAllows(ctx.state.principal, model.metadata.roles, name)
  return model
}

/** The protocol's `$metadata_model_response`; map and sequence values, which it cannot carry, are left out. */
function modelMetadata(model: ModelState, version: LoadedVersion): Record<string, unknown> {
  const versions = [...model.versions.values()]
    .filter((state) => state.loaded !== undefined && state.status !== 'inactive')
    .map((state) => state.version)
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

/** A shadow agrees when every output the primary answered has the same shape and values. */
function sameOutputs(primary: OutputTensor[], shadow: OutputTensor[]): boolean {
  return primary.every((output) => {
    const other = shadow.find((candidate) => candidate.name === output.name)
    return other !== undefined && sameAnswer(output.shape, other.shape) && sameAnswer(output.data, other.data)
  })
}

function missingBody(): never {
  throw new ApiError('invalid_input', 'a JSON inference request with "inputs" is required')
}

function readServerVersion(): string {
  try {
    // src/http/routes and dist/http/routes both sit three levels below package.json.
    const manifest: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
    const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined
    return typeof version === 'string' ? version : 'unknown'
  } catch {
    return 'unknown'
  }
}

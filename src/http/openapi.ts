import { readFileSync } from 'node:fs'
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi'
import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '../errors/api-error.js'
import { LOAD_FAILURE_CODES } from '../models/load-failure.js'
import { modelMetadataSchema } from '../models/metadata.js'
import { predictBodySchema } from '../predict/input-schema.js'
import { inferRequestSchema } from '../predict/tensor-input.js'
import { revokeBodySchema } from './routes/admin.js'
import { DOCS_ASSET_NAMES } from './routes/docs.js'

// `.openapi()` names schemas and parameters; extending twice is a no-op in the library.
extendZodWithOpenApi(z)

/** The generated OpenAPI 3.1 document. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>

/** A `$ref` into the document's components. */
export interface OpenApiRef {
  $ref: string
}

/** What this module shares with sections defined elsewhere. */
export interface OpenApiShared {
  /** `security` of an operation that needs a bearer token. */
  bearer: Record<string, string[]>[]
  /** Envelope error responses of the given codes, keyed by status. */
  errors(...codes: ErrorCode[]): Record<string, OpenApiRef>
  /** The same errors as Open Inference Protocol routes answer them: `{"error": "message"}`. */
  oipErrors(...codes: ErrorCode[]): Record<string, OpenApiRef>
}

/**
 * Registers more paths. A router can export one and have createApp pass it in `sections`, rather
 * than add its paths to this file (the v1, admin, health, metrics and v2 paths are here).
 */
export type OpenApiSection = (registry: OpenAPIRegistry, shared: OpenApiShared) => void

/** Options of buildOpenApiDocument. */
export interface OpenApiOptions {
  /** The configured row limit, so the documented predict body matches the validator. */
  maxRows: number
  sections?: readonly OpenApiSection[]
}

const BEARER = 'bearerAuth'
const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]

const ERROR_RESPONSES: Record<ErrorCode, { name: string; description: string; headers?: string[] }> = {
  invalid_input: { name: 'InvalidInput', description: '`invalid_input`: malformed JSON, wrong shape or row length, a non-numeric, missing or out-of-range value, unknown keys, too many rows' },
  invalid_token: { name: 'InvalidToken', description: '`invalid_token`: the bearer token is missing, malformed, expired, not yet valid, wrongly signed, or revoked (RFC 6750)', headers: ['WWW-Authenticate'] },
  insufficient_scope: { name: 'InsufficientScope', description: '`insufficient_scope`: the token\'s roles do not grant this route or model', headers: ['WWW-Authenticate'] },
  not_found: { name: 'NotFound', description: '`not_found`: unknown model or version' },
  method_not_allowed: { name: 'MethodNotAllowed', description: '`method_not_allowed`: the path exists under another method' },
  model_inactive: { name: 'ModelInactive', description: '`model_inactive`: the model is deactivated' },
  conflict: { name: 'Conflict', description: '`conflict`: the version already exists, or is still the default or an alias target' },
  payload_too_large: { name: 'PayloadTooLarge', description: '`payload_too_large`: the body is over the configured limit' },
  unsupported_media_type: { name: 'UnsupportedMediaType', description: '`unsupported_media_type`: the body is not `application/json`' },
  rate_limited: { name: 'RateLimited', description: '`rate_limited`: the caller is over its rate limit', headers: ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] },
  internal: { name: 'Internal', description: '`internal`: an unexpected failure; the log has the details under the request id' },
  not_implemented: { name: 'NotImplemented', description: '`not_implemented`: the method is not implemented' },
  unavailable: { name: 'Unavailable', description: '`unavailable`: not ready, or overloaded (the queue is full)', headers: ['Retry-After'] },
}

const HEADERS: Record<string, { description: string; schema: { type: 'string' | 'integer'; maxLength?: number } }> = {
  'X-Request-ID': { description: 'The client\'s id when it is at most 128 of `[A-Za-z0-9-_.=]`, else a new one; equals the body\'s `request_id`', schema: { type: 'string', maxLength: 128 } },
  'WWW-Authenticate': { description: 'The RFC 6750 challenge: `Bearer realm="portcullis", error="…", error_description="…"`', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
  'RateLimit-Limit': { description: 'Requests allowed per window', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
}

const requestIdHeader = { 'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' } }

/** The error envelope of contract.md, "Status codes and the error envelope". */
export const errorEnvelopeSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string().openapi({ description: 'Safe to show: never a stack trace or a secret' }),
    details: z.array(z.unknown()),
  }),
  request_id: z.string(),
}).openapi('ErrorEnvelope')

const versionStatus = z.enum(['loading', 'ready', 'failed', 'inactive']).openapi({
  description: '`inactive` when the version policy keeps the version out or the model is deactivated',
})

const reasonCode = z.enum([...LOAD_FAILURE_CODES, 'deactivated']).openapi('LoadFailureCode')

const versionSchema = z.strictObject({
  version: z.string().openapi({ example: '1' }),
  status: versionStatus,
  reason: reasonCode.optional().openapi({ description: 'Why the last load failed, as a code; a `ready` version with a reason serves its last good file' }),
  detail: z.string().optional().openapi({ description: 'The message behind `reason`; only for callers with `models:admin`' }),
  digest: z.string().optional().openapi({ example: 'sha256:9f86d08…' }),
  loaded_at: z.iso.datetime().optional(),
  requests: z.number().int().min(0).openapi({ description: 'Requests routed to this version since it loaded' }),
}).openapi('ModelVersion')

// What model.yaml says is described by model.yaml's own schema.
const metadata = modelMetadataSchema.shape

// Shapes are spread rather than .extend()ed: the generator writes an extension as allOf, and
// allOf with a closed (additionalProperties: false) base would reject the extra keys.
const modelSummaryShape = {
  name: z.string().openapi({ example: 'iris' }),
  description: z.string().optional(),
  active: z.boolean(),
  versions: z.array(versionSchema),
  reason: reasonCode.optional().openapi({ description: 'Why model.yaml could not be read, as a code' }),
  detail: z.string().optional().openapi({ description: 'The message behind `reason`; only for callers with `models:admin`' }),
}

const modelSummarySchema = z.strictObject(modelSummaryShape).openapi('ModelSummary')

const tensorSchema = z.strictObject({
  name: z.string(),
  dtype: z.string().openapi({ example: 'float32' }),
  shape: z.array(z.number().int()).openapi({ description: '-1 for a dynamic dimension', example: [-1, 4] }),
}).openapi('Tensor')

const modelDetailSchema = z.strictObject({
  ...modelSummaryShape,
  features: metadata.features.unwrap().nullable(),
  labels: metadata.labels.unwrap().nullable(),
  nan_policy: metadata.nanPolicy.unwrap(),
  default_version: z.string().nullable(),
  aliases: metadata.aliases.unwrap(),
  version_policy: metadata.versionPolicy.unwrap(),
  canary: metadata.canary.unwrap().nullable(),
  shadow: metadata.shadow.unwrap().nullable(),
  inputs: z.array(tensorSchema),
  outputs: z.array(tensorSchema),
  training: metadata.training.unwrap().nullable(),
  examples: metadata.examples.unwrap(),
  request_id: z.string(),
}).openapi('ModelDetail')

const predictionSchema = z.strictObject({
  model: z.string().openapi({ example: 'iris' }),
  version: z.string().openapi({ example: '1' }),
  predictions: z.array(z.union([z.string(), z.number(), z.array(z.number())])).openapi({ description: 'One entry per input row, in order', example: ['setosa'] }),
  probabilities: z.array(z.array(z.number())).optional().openapi({ description: 'Class probabilities per row, when the model has them', example: [[0.97, 0.02, 0.01]] }),
  request_id: z.string(),
}).openapi('Prediction')

/** An Open Inference Protocol error (contract.md: v2 routes answer `{"error": "message"}`). */
export const oipErrorSchema = z.strictObject({ error: z.string() }).openapi('OipError')

const oipTensorMetadata = z.strictObject({
  name: z.string(),
  datatype: z.string().openapi({ example: 'FP32' }),
  shape: z.array(z.number().int()).openapi({ description: '-1 for a dynamic dimension', example: [-1, 4] }),
}).openapi('OipTensorMetadata')

const oipOutputTensor = z.strictObject({
  name: z.string(),
  datatype: z.string().openapi({ example: 'FP32' }),
  shape: z.array(z.number().int()),
  data: z.array(z.union([z.number(), z.boolean(), z.string()])).openapi({ description: 'The tensor\'s elements, flat, in row-major order' }),
}).openapi('OipOutputTensor')

/** The Open Inference Protocol response bodies, as documented. */
export const oipResponseSchemas = {
  serverMetadata: z.strictObject({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }).openapi('OipServerMetadata'),
  live: z.strictObject({ live: z.boolean() }).openapi('OipServerLive'),
  ready: z.strictObject({ ready: z.boolean() }).openapi('OipServerReady'),
  modelMetadata: z.strictObject({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string().openapi({ example: 'onnx_onnxv1' }),
    inputs: z.array(oipTensorMetadata),
    outputs: z.array(oipTensorMetadata),
  }).openapi('OipModelMetadata'),
  modelReady: z.strictObject({ name: z.string(), ready: z.boolean() }).openapi('OipModelReady'),
  infer: z.strictObject({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().optional(),
    outputs: z.array(oipOutputTensor),
  }).openapi('OipInferResponse'),
}

/** The response bodies the handlers send, as documented; tests hold real responses to them. */
export const responseSchemas = {
  health: z.strictObject({ status: z.literal('ok') }).openapi('Liveness'),
  readiness: z.strictObject({
    status: z.literal('ready'),
    models: z.array(z.strictObject({
      name: z.string(),
      versions: z.array(z.strictObject({ version: z.string(), status: versionStatus, reason: reasonCode.optional() })),
    })),
  }).openapi('Readiness'),
  modelList: z.strictObject({ models: z.array(modelSummarySchema), request_id: z.string() }).openapi('ModelList'),
  modelDetail: modelDetailSchema,
  modelAction: z.strictObject({ ...modelSummaryShape, request_id: z.string() }).openapi('ModelActionResult'),
  prediction: predictionSchema,
  revoked: z.strictObject({
    revoked: z.string().openapi({ description: 'The revoked token id (`jti`)' }),
    until: z.number().int().openapi({ description: 'Epoch seconds until which the id stays revoked' }),
    request_id: z.string(),
  }).openapi('RevokeResult'),
  error: errorEnvelopeSchema,
}

/** Builds the OpenAPI 3.1 document of every route, from the schemas the handlers validate with. */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const registry = new OpenAPIRegistry()
  const shared = registerComponents(registry)
  const sections = [publicSection, modelsSection, predictSection(options.maxRows), adminSection, oipSection, ...(options.sections ?? [])]
  for (const section of sections) section(registry, shared)
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Portcullis',
      version: packageVersion(),
      description: 'A security-hardened prediction API gateway for ONNX models. Send `Authorization: Bearer <JWT>`; '
        + 'every v1 error answers the `ErrorEnvelope`, and every response carries `X-Request-ID`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'health', description: 'Liveness and readiness' },
      { name: 'models', description: 'The model repository' },
      { name: 'predict', description: 'Predictions' },
      { name: 'admin', description: 'Model lifecycle and token revocation (admin role)' },
      { name: 'operations', description: 'Metrics and this documentation' },
      { name: 'console', description: 'The web console and what it asks about its user' },
      { name: 'oip-v2', description: 'Open Inference Protocol v2 (KServe / Triton): the same checks as /api/v1, the protocol\'s wire format; errors are `{"error": "message"}`' },
    ],
  })
}

function registerComponents(registry: OpenAPIRegistry): OpenApiShared {
  registry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT from `npx portcullis token --sub NAME --roles user`; roles travel in its `roles` claim',
  })
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent('headers', name, header)
  for (const [prefix, schema] of [['', 'ErrorEnvelope'], ['Oip', 'OipError']] as const) {
    for (const { name, description, headers = [] } of Object.values(ERROR_RESPONSES)) {
      registry.registerComponent('responses', `${prefix}${name}`, {
        description,
        headers: { ...requestIdHeader, ...Object.fromEntries(headers.map((header) => [header, { $ref: `#/components/headers/${header}` }])) },
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
      })
    }
  }
  registry.register('ErrorEnvelope', errorEnvelopeSchema)
  registry.register('OipError', oipErrorSchema)
  const refs = (prefix: string) => (...codes: ErrorCode[]) =>
    Object.fromEntries(codes.map((code) => [String(ERROR_STATUS[code]), { $ref: `#/components/responses/${prefix}${ERROR_RESPONSES[code].name}` }]))
  return { bearer: [{ [BEARER]: [] }], errors: refs(''), oipErrors: refs('Oip') }
}

/** A JSON 200 response with the request id header. */
function ok(description: string, schema: z.ZodType): ResponseConfig {
  return { description, headers: requestIdHeader, content: { 'application/json': { schema } } }
}

/** Errors every authenticated route can answer. */
const AUTHENTICATED_ERRORS: ErrorCode[] = ['invalid_token', 'insufficient_scope', 'rate_limited', 'internal']

/** Errors every route that reads a JSON body can answer. */
const BODY_ERRORS: ErrorCode[] = ['invalid_input', 'payload_too_large', 'unsupported_media_type']

const nameParam = z.string().openapi({ param: { description: 'The model name' }, example: 'iris' })
const versionParam = z.string().openapi({ param: { description: 'A version number or an alias from model.yaml' }, example: '1' })

const publicSection: OpenApiSection = (registry, shared) => {
  const open = (route: Omit<RouteConfig, 'security'>): void => registry.registerPath({ ...route, security: [] })
  open({ method: 'get', path: '/healthz', tags: ['health'], summary: 'Liveness', operationId: 'liveness', responses: { 200: ok('The process is up', responseSchemas.health), ...shared.errors('rate_limited') } })
  open({
    method: 'get', path: '/readyz', tags: ['health'], summary: 'Readiness', operationId: 'readiness',
    description: '503 while any model is still loading or none is ready; a model that failed to load is listed but does not hold readiness back. The 503 envelope lists the models in `details`.',
    responses: { 200: ok('Ready to serve', responseSchemas.readiness), ...shared.errors('rate_limited', 'unavailable') },
  })
  open({
    method: 'get', path: '/openapi.json', tags: ['operations'], summary: 'This OpenAPI document', operationId: 'openApiDocument',
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...shared.errors('rate_limited') },
  })
  open({
    method: 'get', path: '/docs', tags: ['operations'], summary: 'Swagger UI', operationId: 'docsPage',
    responses: { 200: { description: 'The Swagger UI page, served locally', content: { 'text/html': { schema: z.string() } } }, ...shared.errors('rate_limited') },
  })
  open({
    method: 'get', path: '/docs/{asset}', tags: ['operations'], summary: 'A Swagger UI asset', operationId: 'docsAsset',
    request: { params: z.object({ asset: z.enum(DOCS_ASSET_NAMES).openapi({ param: { description: 'One of the files the page loads' } }) }) },
    responses: {
      200: { description: 'The file, from the installed swagger-ui-dist or this service', content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() }, 'image/png': { schema: z.string().openapi({ format: 'binary' }) } } },
      ...shared.errors('not_found', 'rate_limited'),
    },
  })
}

const modelsSection: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'get', path: '/api/v1/models', tags: ['models'], summary: 'The models your roles may call', operationId: 'listModels', security: shared.bearer,
    responses: { 200: ok('Model summaries, sorted by name', responseSchemas.modelList), ...shared.errors(...AUTHENTICATED_ERRORS) },
  })
  registry.registerPath({
    method: 'get', path: '/api/v1/models/{name}', tags: ['models'], summary: 'One model: inputs, outputs, dtypes, shapes, labels, versions, status', operationId: 'describeModel', security: shared.bearer,
    request: { params: z.object({ name: nameParam }) },
    responses: { 200: ok('The model', responseSchemas.modelDetail), ...shared.errors('not_found', ...AUTHENTICATED_ERRORS) },
  })
}

function predictSection(maxRows: number): OpenApiSection {
  return (registry, shared) => {
    const body = registry.register('PredictRequest', predictBodySchema(maxRows).openapi({
      description: `Rows by position (in the model's feature order) or by feature name; at most ${maxRows} rows. \`null\` is a missing value, handled by the model's NaN policy.`,
    }))
    const request = {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: body,
            examples: {
              positional: { summary: 'Rows by position', value: { inputs: [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]] } },
              byName: { summary: 'Rows by feature name', value: { inputs: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] } },
            },
          },
        },
      },
      headers: z.object({ 'Cache-Control': z.string().optional().openapi({ param: { description: '`no-cache` skips the prediction cache lookup (the answer is still stored)' } }) }),
    }
    const responses = {
      200: ok('One prediction per row, in order', responseSchemas.prediction),
      ...shared.errors(...BODY_ERRORS, 'not_found', 'model_inactive', 'unavailable', ...AUTHENTICATED_ERRORS),
    }
    const predict = (path: string, operationId: string, summary: string, params?: RouteConfig['request']): void => {
      registry.registerPath({ method: 'post', path, tags: ['predict'], summary, operationId, security: shared.bearer, request: { ...request, ...params }, responses })
    }
    predict('/api/v1/predict', 'predictDefault', 'Predict with the default model')
    predict('/api/v1/models/{name}/predict', 'predictModel', 'Predict with a model\'s default version', { params: z.object({ name: nameParam }) })
    predict('/api/v1/models/{name}/versions/{version}/predict', 'predictVersion', 'Predict with one version', { params: z.object({ name: nameParam, version: versionParam }) })
  }
}

const adminSection: OpenApiSection = (registry, shared) => {
  const actions = [
    ['activate', 'activateModel', 'Let a model take predictions again'],
    ['deactivate', 'deactivateModel', 'Stop a model taking predictions (409 model_inactive)'],
    ['reload', 'reloadModel', 'Reload a model beside the live version and swap when ready'],
  ] as const
  for (const [action, operationId, summary] of actions) {
    registry.registerPath({
      method: 'post', path: `/api/v1/admin/models/{name}/${action}`, tags: ['admin'], summary, operationId, security: shared.bearer,
      request: { params: z.object({ name: nameParam }) },
      responses: { 200: ok('The model after the action', responseSchemas.modelAction), ...shared.errors('not_found', ...AUTHENTICATED_ERRORS, 'unavailable') },
    })
  }
  // clone(): zod 4 copies methods onto each instance, so a schema made before extendZodWithOpenApi ran has no .openapi().
  const revokeBody = registry.register('RevokeRequest', revokeBodySchema.clone())
  registry.registerPath({
    method: 'post', path: '/api/v1/admin/tokens/revoke', tags: ['admin'], summary: 'Revoke a token by its `jti`', operationId: 'revokeToken', security: shared.bearer,
    description: '`exp` (epoch seconds) bounds how long the id is kept; the longest token lifetime when omitted.',
    request: { body: { required: true, content: { 'application/json': { schema: revokeBody, example: { jti: 'a1b2c3' } } } } },
    responses: { 200: ok('Revoked', responseSchemas.revoked), ...shared.errors(...BODY_ERRORS, ...AUTHENTICATED_ERRORS) },
  })
  registry.registerPath({
    method: 'get', path: '/metrics', tags: ['operations'], summary: 'Prometheus metrics (admin or metrics role)', operationId: 'metrics', security: shared.bearer,
    description: 'Served without a token on a separate listener when `metrics.port` is configured.',
    responses: {
      200: { description: 'The Prometheus text exposition format', headers: requestIdHeader, content: { 'text/plain': { schema: z.string() } } },
      ...shared.errors(...AUTHENTICATED_ERRORS),
    },
  })
}

const oipSection: OpenApiSection = (registry, shared) => {
  const json = (description: string, schema: z.ZodType): ResponseConfig => ({ description, headers: requestIdHeader, content: { 'application/json': { schema } } })
  const health = (path: string, operationId: string, summary: string, schema: z.ZodType, codes: ErrorCode[]): void => {
    registry.registerPath({ method: 'get', path, tags: ['oip-v2'], summary, operationId, security: [], responses: { 200: json(summary, schema), ...shared.oipErrors('rate_limited', ...codes) } })
  }
  health('/v2/health/live', 'oipServerLive', 'Server liveness', oipResponseSchemas.live, [])
  health('/v2/health/ready', 'oipServerReady', 'Server readiness', oipResponseSchemas.ready, ['unavailable'])
  registry.registerPath({
    method: 'get', path: '/v2', tags: ['oip-v2'], summary: 'Server metadata', operationId: 'oipServerMetadata', security: shared.bearer,
    responses: { 200: json('Server metadata', oipResponseSchemas.serverMetadata), ...shared.oipErrors(...AUTHENTICATED_ERRORS) },
  })
  // Each model route exists with and without /versions/{version}.
  const both = (suffix: string, define: (path: string, params: z.ZodObject, id: string) => void): void => {
    define(`/v2/models/{name}${suffix}`, z.object({ name: nameParam }), '')
    define(`/v2/models/{name}/versions/{version}${suffix}`, z.object({ name: nameParam, version: versionParam }), 'Version')
  }
  both('', (path, params, id) => registry.registerPath({
    method: 'get', path, tags: ['oip-v2'], summary: 'Model metadata: inputs and outputs with protocol datatypes', operationId: `oipModel${id}Metadata`, security: shared.bearer,
    request: { params },
    responses: { 200: json('Model metadata', oipResponseSchemas.modelMetadata), ...shared.oipErrors('not_found', ...AUTHENTICATED_ERRORS) },
  }))
  both('/ready', (path, params, id) => registry.registerPath({
    method: 'get', path, tags: ['oip-v2'], summary: 'Model readiness (503 when it cannot serve)', operationId: `oipModel${id}Ready`, security: shared.bearer,
    request: { params },
    responses: { 200: json('Ready', oipResponseSchemas.modelReady), ...shared.oipErrors('not_found', 'unavailable', ...AUTHENTICATED_ERRORS) },
  }))
  // clone(): see adminSection.
  const inferBody = registry.register('OipInferRequest', inferRequestSchema.clone())
  both('/infer', (path, params, id) => registry.registerPath({
    method: 'post', path, tags: ['oip-v2'], summary: 'Inference', operationId: `oipModel${id}Infer`, security: shared.bearer,
    request: {
      params,
      body: {
        required: true,
        content: { 'application/json': { schema: inferBody, example: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] } } },
      },
    },
    responses: {
      200: json('The output tensors', oipResponseSchemas.infer),
      ...shared.oipErrors(...BODY_ERRORS, 'not_found', 'model_inactive', 'unavailable', ...AUTHENTICATED_ERRORS),
    },
  }))
}

let version: string | undefined

function packageVersion(): string {
  // dist/http and src/http both sit two levels below the package root.
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  return version
}

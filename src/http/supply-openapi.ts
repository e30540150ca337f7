import { z } from 'zod'
import type { OpenApiSection } from './openapi.js'
import { SIGNATURE_HEADER } from './routes/supply.js'

/** Which supply routes the app mounts, so the document lists exactly those. */
export interface SupplyDocsOptions {
  /** Publish, delete, model.yaml and the audit list. */
  admin: boolean
  /** `POST /api/v1/hooks/git` (models.source: git). */
  gitHook: boolean
}

const AUTHENTICATED = ['invalid_token', 'insufficient_scope', 'rate_limited', 'internal'] as const
const requestIdHeader = { 'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' } }
const params = z.object({ name: z.string(), version: z.string() })
const jsonObject = { 'application/json': { schema: { type: 'object' as const } } }

/** The OpenAPI paths of model supply (contract.md, "Model supply"). */
export function supplyOpenApiSection(options: SupplyDocsOptions): OpenApiSection {
  return (registry, shared) => {
    registry.registerPath({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}/artifact',
      tags: ['models'],
      operationId: 'downloadArtifact',
      security: shared.bearer,
      summary: "Download a version's ONNX file (models:download)",
      description: '`ETag: "sha256:<hex>"`; 304 when `If-None-Match` matches.',
      request: { params },
      responses: {
        200: { description: 'The ONNX bytes', headers: requestIdHeader, content: { 'application/octet-stream': { schema: z.string() } } },
        304: { description: 'Not modified', headers: requestIdHeader },
        ...shared.errors('not_found', ...AUTHENTICATED),
      },
    })
    if (options.admin) adminPaths(registry, shared)
    if (options.gitHook) {
      registry.registerPath({
        method: 'post',
        path: '/api/v1/hooks/git',
        tags: ['models'],
        operationId: 'gitWebhook',
        security: [],
        summary: 'Git push webhook: verified by X-Hub-Signature-256 (HMAC-SHA256) or X-Gitlab-Token, then syncs models.git',
        responses: {
          200: { description: 'A replayed delivery id or a ping: nothing done', headers: requestIdHeader, content: jsonObject },
          202: { description: 'Verified; a sync is started', headers: requestIdHeader, content: jsonObject },
          ...shared.errors('invalid_input', 'invalid_token', 'payload_too_large', 'rate_limited', 'internal'),
        },
      })
    }
  }
}

const adminPaths: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'put',
    path: '/api/v1/admin/models/{name}/versions/{version}',
    tags: ['admin'],
    operationId: 'publishVersion',
    security: shared.bearer,
    summary: 'Publish a version (ONNX bytes); checked in isolation, written atomically, then served',
    description: `Optional \`Content-Digest: sha-256=:<base64>:\` must match; \`${SIGNATURE_HEADER}\` carries the signature when models.trust is set; \`?replace=true\` replaces an existing version.`,
    request: { params, body: { required: true, content: { 'application/octet-stream': { schema: z.string() } } } },
    responses: {
      201: { description: 'The version, serving', headers: requestIdHeader, content: jsonObject },
      ...shared.errors('invalid_input', 'conflict', 'payload_too_large', 'unsupported_media_type', ...AUTHENTICATED),
    },
  })
  registry.registerPath({
    method: 'delete',
    path: '/api/v1/admin/models/{name}/versions/{version}',
    tags: ['admin'],
    operationId: 'deleteVersion',
    security: shared.bearer,
    summary: 'Delete a version; 409 for the default or an aliased version unless `?force=true`',
    request: { params },
    responses: { 200: { description: 'Deleted', headers: requestIdHeader, content: jsonObject }, ...shared.errors('not_found', 'conflict', ...AUTHENTICATED) },
  })
  registry.registerPath({
    method: 'put',
    path: '/api/v1/admin/models/{name}/metadata',
    tags: ['admin'],
    operationId: 'putModelMetadata',
    security: shared.bearer,
    summary: 'Replace model.yaml after checking it against every serving version',
    request: { params: z.object({ name: z.string() }), body: { required: true, content: { 'application/yaml': { schema: z.string() } } } },
    responses: {
      200: { description: 'The model', headers: requestIdHeader, content: jsonObject },
      ...shared.errors('invalid_input', 'payload_too_large', 'unsupported_media_type', ...AUTHENTICATED),
    },
  })
  registry.registerPath({
    method: 'get',
    path: '/api/v1/admin/audit',
    tags: ['admin'],
    operationId: 'listAudit',
    security: shared.bearer,
    summary: 'Recent admin actions: who, what, model, version, digest, when, outcome',
    responses: { 200: { description: 'Entries, oldest first', headers: requestIdHeader, content: jsonObject }, ...shared.errors(...AUTHENTICATED) },
  })
}

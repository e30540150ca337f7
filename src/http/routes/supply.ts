import Router from '@koa/router'
import type { AuditLog } from '../../audit/audit-log.js'
import { ApiError } from '../../errors/api-error.js'
import type { RoleMap } from '../../security/rbac.js'
import { sha256FromContentDigest } from '../../supply/content-digest.js'
import type { ModelPublisher } from '../../supply/publisher.js'
import { requirePermission } from '../middleware/authorize.js'
import { readRawBody } from '../raw-body.js'
import type { AppContext, AppState } from '../state.js'
import { modelSummary, versionView } from '../views/model-view.js'

/** What the model supply admin routes need. */
export interface SupplyRouteOptions {
  publisher: ModelPublisher
  audit: AuditLog
  roleMap: RoleMap
  /** models.maxUploadBytes: the largest ONNX file accepted. */
  maxUploadBytes: number
}

// model.yaml is a small text file; its limit is fixed rather than configured.
const MAX_METADATA_BYTES = 1_048_576

/** The header a publish may carry a detached signature in (base64 of the signature over `sha256:<hex>`). */
export const SIGNATURE_HEADER = 'X-Model-Signature'

/**
 * Publish and delete versions, replace model.yaml, and read the audit list (contract.md, "Model
 * supply"). Bodies are read only here, after authentication and the models:admin check, and never
 * name a URL to fetch a model from.
 */
export function supplyRoutes(options: SupplyRouteOptions): Router<AppState> {
  const { publisher, audit, roleMap } = options
  const router = new Router<AppState>({ prefix: '/api/v1/admin' })
  const canAdminModels = requirePermission('models:admin', roleMap)
  router.put('/models/:name/versions/:version', canAdminModels, async function publishVersion(ctx) {
    if (ctx.is('application/octet-stream') !== 'application/octet-stream') {
      throw new ApiError('unsupported_media_type', 'a model version is sent as application/octet-stream (the ONNX bytes)')
    }
    const expectedDigest = sha256FromContentDigest(headerOf(ctx, 'Content-Digest'))
    const bytes = await readRawBody(ctx, options.maxUploadBytes)
    if (bytes.length === 0) throw new ApiError('invalid_input', 'the body is empty; send the ONNX bytes')
    const { name = '', version = '' } = ctx.params
    const state = await publisher.publish({
      ...actorOf(ctx),
      name,
      version,
      bytes,
      expectedDigest,
      signature: headerOf(ctx, SIGNATURE_HEADER),
      replace: ctx.query.replace === 'true',
    })
    ctx.status = 201
    ctx.body = { model: name, ...versionView(state), request_id: ctx.state.requestId }
  })
  router.delete('/models/:name/versions/:version', canAdminModels, async function deleteVersion(ctx) {
    const { name = '', version = '' } = ctx.params
    await publisher.deleteVersion({ ...actorOf(ctx), name, version, force: ctx.query.force === 'true' })
    ctx.body = { model: name, version, deleted: true, request_id: ctx.state.requestId }
  })
  router.put('/models/:name/metadata', canAdminModels, async function putMetadata(ctx) {
    if (ctx.is('application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain') === false) {
      throw new ApiError('unsupported_media_type', 'model.yaml is sent as application/yaml')
    }
    const text = (await readRawBody(ctx, MAX_METADATA_BYTES)).toString('utf8')
    const model = await publisher.putMetadata({ ...actorOf(ctx), name: ctx.params.name ?? '', text })
    ctx.body = { ...modelSummary(model), request_id: ctx.state.requestId }
  })
  router.get('/audit', canAdminModels, function listAudit(ctx) {
    const limit = Number(ctx.query.limit)
    const entries = audit.list(Number.isInteger(limit) && limit > 0 ? limit : undefined)
    ctx.body = { entries, request_id: ctx.state.requestId }
  })
  return router
}

function headerOf(ctx: AppContext, name: string): string | undefined {
  const value = ctx.get(name)
  return value === '' ? undefined : value
}

function actorOf(ctx: AppContext): { actor: string; requestId: string } {
  return { actor: ctx.state.principal?.subject ?? 'anonymous', requestId: ctx.state.requestId }
}

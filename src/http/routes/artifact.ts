import Router from '@koa/router'
import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { ApiError } from '../../errors/api-error.js'
import type { ModelRegistry } from '../../models/registry.js'
import { scanRepository } from '../../models/repository.js'
import { resolveAlias } from '../../models/version-policy.js'
import type { RoleMap } from '../../security/rbac.js'
import { requirePermission } from '../middleware/authorize.js'
import type { AppState } from '../state.js'

/** What the download route needs. */
export interface ArtifactRouteOptions {
  registry: ModelRegistry
  /** The model repository (models.dir), resolved. */
  dir: string
  roleMap: RoleMap
}

/**
 * `GET /api/v1/models/{name}/versions/{version}/artifact`: the ONNX file as stored, streamed,
 * with `ETag: "sha256:<hex>"` and 304 on a matching `If-None-Match` (permission models:download).
 * The digest and the body come from one open file handle, so a version replaced meanwhile can
 * never pair one file's bytes with the other's ETag.
 */
export function artifactRoutes(options: ArtifactRouteOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/models' })
  router.get('/:name/versions/:version/artifact', requirePermission('models:download', options.roleMap), async function downloadArtifact(ctx) {
    const { name = '', version: ref = '' } = ctx.params
    const model = options.registry.get(name)
    if (model === undefined) throw new ApiError('not_found', `model "${name}" not found`)
    const version = resolveAlias(model.metadata.aliases, ref)
    const source = (await scanRepository(options.dir)).find((candidate) => candidate.name === name)
    const path = source?.versions.get(version)
    if (path === undefined) throw new ApiError('not_found', `model "${name}" has no version "${ref}" in the repository`)
    const handle = await open(path, 'r')
    let streaming = false
    try {
      const etag = `"sha256:${await digestOf(handle)}"`
      ctx.set('ETag', etag)
      ctx.set('Cache-Control', 'private, no-cache')
      if (matchesEtag(ctx.get('If-None-Match'), etag)) {
        ctx.status = 304
        return
      }
      const { size } = await handle.stat()
      ctx.type = 'application/octet-stream'
      ctx.length = size
      ctx.attachment(`${name}-${version}.onnx`)
      ctx.body = handle.createReadStream({ start: 0, autoClose: true })
      streaming = true
    } finally {
      if (!streaming) await handle.close()
    }
  })
  return router
}

async function digestOf(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(handle.createReadStream({ start: 0, autoClose: false }), hash)
  return hash.digest('hex')
}

/** RFC 9110 §13.1.2: `*`, or any listed tag equal under weak comparison. */
function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '') return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

import Router from '@koa/router'
import type { ModelRegistry } from '../../models/registry.js'
import { ApiError } from '../../errors/api-error.js'
import type { AppState } from '../state.js'

/** GET /healthz (liveness) and GET /readyz (503 while loading or nothing serves). */
export function healthRoutes(registry: ModelRegistry): Router<AppState> {
  const router = new Router<AppState>()
  router.get('/healthz', function liveness(ctx) {
    ctx.body = { status: 'ok' }
  })
  router.get('/readyz', function readiness(ctx) {
    const models = registry.list().map((model) => ({
      name: model.name,
      versions: [...model.versions.values()].map((version) => ({
        version: version.version,
        status: version.status,
        // Public: the short code only; the message behind it is in the log and the admin view.
        ...(version.code === undefined ? {} : { reason: version.code }),
      })),
    }))
    if (!registry.isReady()) {
      throw new ApiError('unavailable', 'not ready: models are loading or none is ready', {
        headers: { 'Retry-After': '1' },
        details: models,
      })
    }
    ctx.body = { status: 'ready', models }
  })
  return router
}

import Router from '@koa/router'
import { ApiError } from '../../errors/api-error.js'
import type { Logger } from '../../observability/logger.js'
import { BoundedMap } from '../../security/bounded-map.js'
import type { GitSync } from '../../supply/git-sync.js'
import { verifyWebhook } from '../../supply/webhook-signature.js'
import { readRawBody } from '../raw-body.js'
import type { AppContext, AppMiddleware, AppState } from '../state.js'

/** What the git webhook needs. */
export interface GitHookOptions {
  sync: GitSync
  /** The shared secret; without one every call is refused. */
  secret: string | undefined
  /** Delivery ids remembered to refuse replays. */
  maxDeliveryIds: number
  /** A rate limit per client address, run before the body is read. */
  limiter: AppMiddleware
  logger: Logger
}

// Push payloads of large pushes run to a few hundred KiB; nothing in them is needed beyond the signature.
const MAX_HOOK_BYTES = 1_048_576

/**
 * `POST /api/v1/hooks/git`: a public route that does nothing for a caller who cannot sign. The raw
 * body is read (bounded) and its HMAC-SHA256 (`X-Hub-Signature-256`) or `X-Gitlab-Token` checked
 * in constant time before anything else; then the delivery id must be new (a replay answers 200
 * and does nothing), and only then is a sync triggered. The payload itself is never trusted: the
 * sync pulls the configured remote, never a URL from the request.
 */
export function gitHookRoutes(options: GitHookOptions): Router<AppState> {
  const deliveries = new BoundedMap<string, number>(options.maxDeliveryIds)
  const router = new Router<AppState>()
  router.post('/api/v1/hooks/git', options.limiter, async function gitHook(ctx) {
    const body = await readRawBody(ctx, MAX_HOOK_BYTES)
    const credentials = { hubSignature256: headerOf(ctx, 'X-Hub-Signature-256'), gitlabToken: headerOf(ctx, 'X-Gitlab-Token') }
    if (options.secret === undefined || !verifyWebhook(options.secret, credentials, body)) {
      options.logger.warn('git webhook refused: signature does not verify', { request_id: ctx.state.requestId, ip: ctx.ip })
      throw new ApiError('invalid_token', 'the webhook signature does not verify')
    }
    const delivery = headerOf(ctx, 'X-GitHub-Delivery') ?? headerOf(ctx, 'X-Gitlab-Event-UUID')
    if (delivery === undefined || delivery.length > 128) {
      throw new ApiError('invalid_input', 'a webhook needs a delivery id (X-GitHub-Delivery or X-Gitlab-Event-UUID) of at most 128 characters')
    }
    if (deliveries.has(delivery)) {
      ctx.body = { status: 'duplicate', delivery, request_id: ctx.state.requestId }
      return
    }
    deliveries.set(delivery, Date.now())
    if (headerOf(ctx, 'X-GitHub-Event') === 'ping') {
      ctx.body = { status: 'pong', delivery, request_id: ctx.state.requestId }
      return
    }
    void options.sync.trigger('webhook')
    ctx.status = 202
    ctx.body = { status: 'accepted', delivery, request_id: ctx.state.requestId }
  })
  return router
}

function headerOf(ctx: AppContext, name: string): string | undefined {
  const value = ctx.get(name)
  return value === '' ? undefined : value
}

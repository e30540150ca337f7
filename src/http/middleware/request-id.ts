import { randomUUID } from 'node:crypto'
import type { AppMiddleware } from '../state.js'

// contract.md: at most 128 letters, digits, `-`, `_`, `.`, `=`; anything else gets a new id.
const CLIENT_ID = /^[A-Za-z0-9\-_.=]{1,128}$/

/** Accepts the client's X-Request-ID when it is safe to echo, else makes one; sets the response header. */
export function requestId(): AppMiddleware {
  return function requestId(ctx, next) {
    const offered = ctx.get('X-Request-ID')
    ctx.state.requestId = CLIENT_ID.test(offered) ? offered : randomUUID()
    ctx.res.setHeader('X-Request-ID', ctx.state.requestId)
    return next()
  }
}

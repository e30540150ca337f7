import { ApiError } from '../../errors/api-error.js'
import type { AppMiddleware } from '../state.js'

/**
 * Turns "no route answered" into a 404 in the envelope. It wraps the API router rather than
 * sitting after it, so the router's allowedMethods can answer 405 first.
 */
export function notFound(): AppMiddleware {
  return async function notFound(ctx, next) {
    await next()
    if (ctx.status === 404 && ctx.body == null) throw new ApiError('not_found', 'no such route')
  }
}

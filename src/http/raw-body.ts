import getRawBody from 'raw-body'
import { ApiError } from '../errors/api-error.js'
import type { AppContext } from './state.js'

/**
 * Routes that read their own body as bytes (a model upload, model.yaml, a webhook whose signature
 * covers the raw bytes); bodyGuard leaves these alone, and each route reads with its own limit.
 */
const OWN_BODY_ROUTES: readonly (readonly [string, RegExp])[] = [
  ['PUT', /^\/api\/v1\/admin\/models\/[^/]+\/versions\/[^/]+\/?$/],
  ['PUT', /^\/api\/v1\/admin\/models\/[^/]+\/metadata\/?$/],
  ['POST', /^\/api\/v1\/hooks\/git\/?$/],
]

/** True for a request whose route reads the raw body itself. */
export function readsOwnBody(method: string, path: string): boolean {
  return OWN_BODY_ROUTES.some(([routeMethod, pattern]) => routeMethod === method && pattern.test(path))
}

/** Reads the whole body, refusing past `limit` bytes (413) before reading when Content-Length says so. */
export async function readRawBody(ctx: AppContext, limit: number): Promise<Buffer> {
  const declared = ctx.request.length
  if (declared !== undefined && declared > limit) throw new ApiError('payload_too_large', `request body is larger than ${limit} bytes`)
  try {
    return await getRawBody(ctx.req, { limit, length: declared })
  } catch (err) {
    const type = typeof err === 'object' && err !== null && 'type' in err ? err.type : undefined
    if (type === 'entity.too.large') throw new ApiError('payload_too_large', `request body is larger than ${limit} bytes`, { cause: err })
    throw new ApiError('invalid_input', 'request body could not be read', { cause: err })
  }
}

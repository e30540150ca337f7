import type { AppContext } from './state.js'

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * Sets a JSON response body, serialized here. Given an object, Koa works out its type again on
 * every response (stream, blob and fetch Response checks, a content-type lookup) and serializes
 * it later in its responder; a string with its type already set goes out as it is, and the
 * serialize stage then times the serialization itself.
 */
export function setJsonBody(ctx: AppContext, value: unknown): void {
  ctx.res.setHeader('Content-Type', JSON_TYPE)
  ctx.body = JSON.stringify(value)
}

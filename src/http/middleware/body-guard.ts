import getRawBody from 'raw-body'
import { ApiError } from '../../errors/api-error.js'
import { isPredictPath, tabularBody, TABULAR_TYPES } from '../../files/http-bodies.js'
import type { BodyByteBudget } from '../budgets/body-bytes.js'
import { sendContinue } from '../expect-continue.js'
import { inspectParsed, measureDepth, type JsonLimits } from '../json-guard.js'
import type { AppMiddleware } from '../state.js'

/** Options of bodyGuard. */
export interface BodyGuardOptions extends JsonLimits {
  maxBodyBytes: number
  /** Requests whose route reads the raw body itself (uploads, signed webhooks); passed on untouched. */
  readsOwnBody?: (method: string, path: string) => boolean
  /** Body bytes held in memory across all requests (budgets.maxBufferedBodyBytes); unbounded when absent. */
  budget?: BodyByteBudget
}

// The Content-Type nearly every client sends, recognised without parsing it (type-is and
// content-type together cost more than a microsecond); any other value takes the full checks.
const PLAIN_JSON = /^application\/json(?:; ?charset=(?:utf-8|"utf-8"))?$/i

/** Content type (415), size (413), JSON syntax, depth and forbidden keys (400); parsed body → ctx.state.body. */
export function bodyGuard(options: BodyGuardOptions): AppMiddleware {
  return async function bodyGuard(ctx, next) {
    // An empty body (Content-Length: 0, as fetch and browsers send on a bodiless POST) is no body;
    // ctx.is() answers null when the request has none at all (type-is's hasBody).
    const declared = ctx.request.length
    if (declared === 0 || options.readsOwnBody?.(ctx.method, ctx.path) === true) return next()
    const kind = bodyKind(ctx)
    if (kind === undefined) return next()
    if (declared !== undefined && declared > options.maxBodyBytes) {
      throw new ApiError('payload_too_large', `request body is larger than ${options.maxBodyBytes} bytes`)
    }
    // A body without a length may grow to the limit, so it reserves the limit.
    const reserved = declared ?? options.maxBodyBytes
    if (options.budget !== undefined && !options.budget.tryReserve(reserved)) {
      throw new ApiError('unavailable', 'the server is busy; retry shortly', { headers: { 'Retry-After': '1' } })
    }
    try {
      sendContinue(ctx.req, ctx.res)
      const bytes = await readBody(ctx.req, options.maxBodyBytes, declared)
      // Predict routes also take a table (src/files/http-bodies.ts), within the same limits.
      ctx.state.body = kind === 'json' ? parseBody(bytes, options) : tabularBody(bytes, kind, options)
      await next()
    } finally {
      options.budget?.release(reserved)
    }
  }
}

/** What the body is, from its Content-Type: JSON, a table (predict routes only), none (undefined), else 415. */
function bodyKind(ctx: Parameters<AppMiddleware>[0]): 'json' | 'text/csv' | 'application/x-ndjson' | undefined {
  if (ctx.request.length !== undefined && PLAIN_JSON.test(ctx.get('Content-Type'))) return 'json'
  const type = ctx.is('application/json', '+json')
  if (type === null) return undefined
  if (type === false) {
    const tabular = isPredictPath(ctx.path) ? ctx.is(...TABULAR_TYPES) : false
    if (tabular === 'text/csv' || tabular === 'application/x-ndjson') return tabular
    throw new ApiError(
      'unsupported_media_type',
      isPredictPath(ctx.path) ? 'content type must be application/json, text/csv or application/x-ndjson' : 'content type must be application/json',
    )
  }
  // JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); any other declared charset is refused.
  const charset = ctx.request.charset.toLowerCase()
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError('unsupported_media_type', 'JSON bodies must be UTF-8')
  }
  return 'json'
}

/**
 * 413 for a body declared larger than the limit, from the Content-Length header alone, so it can
 * run before authentication as an edge proxy's body-size check does (nginx's client_max_body_size):
 * it costs nothing, and no byte of the body is read. A chunked body is measured by bodyGuard.
 */
export function declaredLengthLimit(maxBodyBytes: number): AppMiddleware {
  return function declaredLengthLimit(ctx, next) {
    const declared = ctx.request.length
    if (declared !== undefined && declared > maxBodyBytes) {
      throw new ApiError('payload_too_large', `request body is larger than ${maxBodyBytes} bytes`)
    }
    return next()
  }
}

// Depth first, on the bytes; then JSON syntax, forbidden keys and array lengths.
function parseBody(bytes: Buffer, options: JsonLimits): unknown {
  const depthFault = measureDepth(bytes, options.maxDepth)
  if (depthFault !== undefined) throw new ApiError('invalid_input', depthFault.message)
  let body: unknown
  try {
    body = JSON.parse(decodeUtf8(bytes))
  } catch {
    // The cause is dropped on purpose: the parser's message quotes the body, which may hold
    // anything the client sent, and neither answers nor logs repeat a body.
    throw new ApiError('invalid_input', 'request body is not valid JSON')
  }
  const fault = inspectParsed(body, options)
  if (fault !== undefined) throw new ApiError('invalid_input', fault.message)
  return body
}

async function readBody(stream: NodeJS.ReadableStream, limit: number, length: number | undefined): Promise<Buffer> {
  try {
    return await getRawBody(stream, { limit, length })
  } catch (err) {
    const type = typeof err === 'object' && err !== null && 'type' in err ? err.type : undefined
    if (type === 'entity.too.large') throw new ApiError('payload_too_large', `request body is larger than ${limit} bytes`, { cause: err })
    throw new ApiError('invalid_input', 'request body could not be read', { cause: err })
  }
}

// Invalid sequences become U+FFFD, as in every UTF-8 decoder; a leading byte order mark is
// dropped (RFC 8259 §8.1 lets a parser ignore it).
function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

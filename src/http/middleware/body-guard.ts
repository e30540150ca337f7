import getRawBody from 'raw-body'
import { ApiError } from '../../errors/api-error.js'
import { inspectParsed, measureDepth, type JsonLimits } from '../json-guard.js'
import type { AppMiddleware } from '../state.js'

/** Options of bodyGuard. */
export interface BodyGuardOptions extends JsonLimits {
  maxBodyBytes: number
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
    if (declared === 0) return next()
    if (declared === undefined || !PLAIN_JSON.test(ctx.get('Content-Type'))) {
      const type = ctx.is('application/json', '+json')
      if (type === null) return next()
      if (type === false) {
        throw new ApiError('unsupported_media_type', 'content type must be application/json')
      }
      // JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); any other declared charset is refused.
      const charset = ctx.request.charset.toLowerCase()
      if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
        throw new ApiError('unsupported_media_type', 'JSON bodies must be UTF-8')
      }
    }
    if (declared !== undefined && declared > options.maxBodyBytes) {
      throw new ApiError('payload_too_large', `request body is larger than ${options.maxBodyBytes} bytes`)
    }
    const bytes = await readBody(ctx.req, options.maxBodyBytes, declared)
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
    ctx.state.body = body
    await next()
  }
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

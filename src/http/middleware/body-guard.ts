import getRawBody from 'raw-body'
import { ApiError } from '../../errors/api-error.js'
import { inspectParsed, measureDepth, type JsonLimits } from '../json-guard.js'
import type { AppMiddleware } from '../state.js'

/** Options of bodyGuard. */
export interface BodyGuardOptions extends JsonLimits {
  maxBodyBytes: number
}

/** Content type (415), size (413), JSON syntax, depth and forbidden keys (400); parsed body → ctx.state.body. */
export function bodyGuard(options: BodyGuardOptions): AppMiddleware {
  return async function bodyGuard(ctx, next) {
    // An empty body (Content-Length: 0, as fetch and browsers send on a bodiless POST) is no body;
    // ctx.is() answers null when the request has none at all (type-is's hasBody).
    if (ctx.request.length === 0) return next()
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
    const declared = ctx.request.length
    if (declared !== undefined && declared > options.maxBodyBytes) {
      throw new ApiError('payload_too_large', `request body is larger than ${options.maxBodyBytes} bytes`)
    }
    const text = await readBody(ctx.req, options.maxBodyBytes, declared)
    const depthFault = measureDepth(text, options.maxDepth)
    if (depthFault !== undefined) throw new ApiError('invalid_input', depthFault.message)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new ApiError('invalid_input', 'request body is not valid JSON')
    }
    const fault = inspectParsed(body, options)
    if (fault !== undefined) throw new ApiError('invalid_input', fault.message)
    ctx.state.body = body
    await next()
  }
}

async function readBody(stream: NodeJS.ReadableStream, limit: number, length: number | undefined): Promise<string> {
  try {
    return await getRawBody(stream, { limit, length, encoding: 'utf8' })
  } catch (err) {
    const type = typeof err === 'object' && err !== null && 'type' in err ? err.type : undefined
    if (type === 'entity.too.large') throw new ApiError('payload_too_large', `request body is larger than ${limit} bytes`, { cause: err })
    if (type === 'encoding.unsupported') throw new ApiError('unsupported_media_type', 'unsupported body encoding', { cause: err })
    throw new ApiError('invalid_input', 'request body could not be read', { cause: err })
  }
}

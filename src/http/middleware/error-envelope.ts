import { ApiError, ERROR_STATUS, isApiError, type ErrorCode } from '../../errors/api-error.js'
import type { Logger } from '../../observability/logger.js'
import type { Metrics } from '../../observability/metrics.js'
import type { AppContext, AppMiddleware } from '../state.js'

/** Options of errorEnvelope. */
export interface ErrorEnvelopeOptions {
  logger: Logger
  metrics: Metrics
}

/**
 * Catches every error below it and renders the contract's envelope. It never rethrows: Koa's own
 * ctx.onerror would delete every header already set (security headers, X-Request-ID).
 */
export function errorEnvelope({ logger, metrics }: ErrorEnvelopeOptions): AppMiddleware {
  return async function errorEnvelope(ctx, next) {
    try {
      await next()
    } catch (err) {
      const apiError = toApiError(err)
      if (apiError.code === 'internal') {
        logger.error('unhandled error', { request_id: ctx.state.requestId, error: describeError(err) })
      }
      render(ctx, apiError)
      metrics.errors.labels(apiError.code).inc()
    }
  }
}

/** Renders an ApiError into the response (also used for errors outside the middleware chain). */
function render(ctx: AppContext, error: ApiError): void {
  ctx.state.errorCode = error.code
  ctx.status = error.status
  for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value)
  ctx.body =
    ctx.state.protocol === 'oip' ? { error: error.message } : { error: { code: error.code, message: error.message, details: error.details }, request_id: ctx.state.requestId }
}

/** Maps library errors (http-errors from Koa, the router, koa-ratelimit) onto the catalog. */
function toApiError(err: unknown): ApiError {
  if (isApiError(err)) return err
  const status = httpStatusOf(err)
  const code = status === undefined ? undefined : codeForStatus(status)
  if (code === undefined || code === 'internal') return new ApiError('internal', 'internal server error', { cause: err })
  const headers = headersOf(err)
  return new ApiError(code, defaultMessage(code), { headers, cause: err })
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const status = 'status' in err ? err.status : 'statusCode' in err ? err.statusCode : undefined
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined
}

function codeForStatus(status: number): ErrorCode | undefined {
  const entry = Object.entries(ERROR_STATUS).find(([, code]) => code === status)
  return entry?.[0] as ErrorCode | undefined
}

function headersOf(err: unknown): Record<string, string> {
  if (typeof err !== 'object' || err === null || !('headers' in err)) return {}
  const raw = err.headers
  if (typeof raw !== 'object' || raw === null) return {}
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, String(value)]))
}

const DEFAULT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_input: 'the request is not valid',
  method_not_allowed: 'method not allowed on this route',
  not_implemented: 'method not implemented',
  not_found: 'not found',
  payload_too_large: 'request body is too large',
  unsupported_media_type: 'content type must be application/json',
  rate_limited: 'rate limit exceeded',
  unavailable: 'service unavailable',
}

function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code] ?? code.replaceAll('_', ' ')
}

function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { value: String(err) }
  return { name: err.name, message: err.message, stack: err.stack, cause: err.cause === undefined ? undefined : String(err.cause) }
}

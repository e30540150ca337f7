/** Every error code the API answers with, and its HTTP status (contract.md, "Status codes"). */
export const ERROR_STATUS = {
  invalid_input: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  model_inactive: 409,
  /** A write that clashes with what exists (a version already published, a version still in use). */
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
} as const

/** A key of the error catalog. */
export type ErrorCode = keyof typeof ERROR_STATUS

/** What an ApiError may carry besides its code and message. */
export interface ApiErrorExtra {
  details?: unknown[]
  headers?: Record<string, string>
  cause?: unknown
}

/** The one error type of the API: handlers throw it, errorEnvelope renders it. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly details: unknown[]
  readonly headers: Record<string, string>

  /** `message` is shown to the client: no secrets, no file paths. */
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: ApiErrorExtra = {},
  ) {
    super(message, { cause: extra.cause })
    this.status = ERROR_STATUS[code]
    this.details = extra.details ?? []
    this.headers = extra.headers ?? {}
  }
}

/** True for an ApiError, also across module copies (koajs/koa#1466 has the realm caveat). */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError || (err instanceof Error && err.name === 'ApiError' && 'code' in err)
}

import type { AuthFailureReason } from '../observability/auth-failure-reasons.js'

export type { AuthFailureReason } from '../observability/auth-failure-reasons.js'

/** A refused token; the message is safe to show (it never contains the token). */
export class TokenError extends Error {
  override readonly name = 'TokenError'

  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message)
  }
}

/** The keys to check a token with could not be had (a JWKS endpoint is down): the server's fault, not the token's. */
export class KeyUnavailableError extends Error {
  override readonly name = 'KeyUnavailableError'
}

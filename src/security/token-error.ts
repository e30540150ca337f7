/** Fixed reasons a token is refused: the only values of the auth-failure metric label. */
export const AUTH_FAILURE_REASONS = [
  'missing', 'malformed', 'too_large', 'alg_not_allowed', 'unknown_key', 'bad_signature', 'expired', 'not_yet_valid',
  'missing_exp', 'lifetime_too_long', 'wrong_issuer', 'wrong_audience', 'missing_subject', 'missing_jti', 'bad_roles', 'revoked',
] as const

/** One reason a token is refused. */
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number]

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

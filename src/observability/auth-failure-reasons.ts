/** Fixed reasons a token is refused: the only values of the auth-failure metric label. */
export const AUTH_FAILURE_REASONS = [
  'missing',
  'malformed',
  'too_large',
  'alg_not_allowed',
  'unknown_key',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'missing_exp',
  'lifetime_too_long',
  'wrong_issuer',
  'wrong_audience',
  'missing_subject',
  'missing_jti',
  'bad_roles',
  'revoked',
] as const

/** One reason a token is refused. */
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number]

import { ApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import { KeyUnavailableError, TokenError, type VerifyPolicy } from '../../security/jwt.js'
import type { VerificationKeys } from '../../security/keys.js'
import type { RevocationStore } from '../../security/revocation.js'
import { TokenAuthenticator } from '../../security/token-authenticator.js'
import type { AppMiddleware } from '../state.js'

/** Options of authenticate. */
export interface AuthenticateOptions {
  keys: VerificationKeys
  policy: VerifyPolicy
  revocations: RevocationStore
  metrics: Metrics
  /** Verified tokens remembered until their exp (0 turns it off); revocation is checked every time. */
  tokenCacheSize?: number
}

const REALM = 'portcullis'

/** Verifies the bearer token (RFC 6750) and puts its principal on ctx.state; 401 otherwise. */
export function authenticate(options: AuthenticateOptions): AppMiddleware {
  const authenticator = new TokenAuthenticator(options)
  return async function authenticate(ctx, next) {
    const header = ctx.get('Authorization')
    if (header === '') {
      options.metrics.authFailures.labels('missing').inc()
      throw new ApiError('invalid_token', 'a bearer token is required', { headers: { 'WWW-Authenticate': `Bearer realm="${REALM}"` } })
    }
    let failure: TokenError | undefined
    try {
      ctx.state.principal = await authenticator.verify(readBearer(header, authenticator))
    } catch (err) {
      if (err instanceof KeyUnavailableError) throw unavailable(err)
      if (!(err instanceof TokenError)) throw err
      failure = err
    }
    // next() stays outside the try: an error further down must never come back as a 401.
    if (failure !== undefined) {
      throw new ApiError('invalid_token', failure.message, {
        headers: { 'WWW-Authenticate': challenge('invalid_token', failure.message) },
        cause: failure,
      })
    }
    await next()
  }
}

/** The RFC 6750 §3 challenge, with `"` and `\` escaped in quoted values. */
export function challenge(error: 'invalid_token' | 'insufficient_scope', description: string): string {
  const quoted = description.replace(/["\\]/g, '\\$&')
  return `Bearer realm="${REALM}", error="${error}", error_description="${quoted}"`
}

function unavailable(err: KeyUnavailableError): ApiError {
  return new ApiError('unavailable', 'authentication is temporarily unavailable', { headers: { 'Retry-After': '5' }, cause: err })
}

function readBearer(header: string, authenticator: TokenAuthenticator): string {
  const match = /^Bearer +([^\s]+) *$/i.exec(header)
  if (match?.[1] === undefined) {
    const malformed = new TokenError('malformed', 'Authorization must be "Bearer <token>"')
    authenticator.countFailure(malformed)
    throw malformed
  }
  return match[1]
}

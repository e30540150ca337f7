import type { Metrics } from '../observability/metrics.js'
import { KeyUnavailableError, TokenError, verifyToken, type VerifyPolicy } from './jwt.js'
import type { VerificationKeys } from './keys.js'
import type { Principal } from './principal.js'
import type { RevocationStore } from './revocation.js'
import { VerifiedTokenCache } from './verified-token-cache.js'

/** What TokenAuthenticator needs. */
export interface TokenAuthenticatorOptions {
  keys: VerificationKeys
  policy: VerifyPolicy
  revocations: RevocationStore
  metrics: Metrics
  /** Verified tokens remembered until their exp (0 turns it off); revocation is checked every time. */
  tokenCacheSize?: number
}

/**
 * One bearer token in, its principal out: signature and claims (through the verified-token cache),
 * then the revocation list. The HTTP middleware and the stream doors share it, so a token means
 * the same thing whichever door it comes through. Throws TokenError (counted under
 * `portcullis_auth_failures_total{reason}`) or KeyUnavailableError.
 */
export class TokenAuthenticator {
  readonly #cache: VerifiedTokenCache | undefined

  constructor(private readonly options: TokenAuthenticatorOptions) {
    const { keys } = options
    if (keys.hmac === undefined && keys.publicKey === undefined && keys.jwks === undefined) {
      throw new Error('TokenAuthenticator needs a verification key')
    }
    const cacheSize = options.tokenCacheSize ?? 10_000
    this.#cache = cacheSize === 0 ? undefined : new VerifiedTokenCache({ maxEntries: cacheSize, clockToleranceSeconds: options.policy.clockToleranceSeconds })
  }

  /** The principal of a verified, unrevoked token. */
  async verify(token: string): Promise<Principal> {
    const { keys, policy, revocations } = this.options
    try {
      const verify = () => verifyToken(token, keys, policy)
      const principal = await (this.#cache === undefined ? verify() : this.#cache.verify(token, verify))
      if (principal.jti !== undefined && (await isRevoked(revocations, principal.jti))) {
        throw new TokenError('revoked', 'token has been revoked')
      }
      return principal
    } catch (err) {
      this.countFailure(err)
      throw err
    }
  }

  /** Counts a refusal that happened before verify() could run (a missing or malformed header). */
  countFailure(err: unknown): void {
    if (err instanceof TokenError) this.options.metrics.authFailures.labels(err.reason).inc()
  }
}

/** The verification policy of the config, as HTTP applies it. */
// A deny list that cannot be read fails closed: no token is taken as unrevoked on a guess.
async function isRevoked(revocations: RevocationStore, jti: string): Promise<boolean> {
  try {
    return await revocations.isRevoked(jti)
  } catch (err) {
    throw new KeyUnavailableError('the revocation list is unavailable', { cause: err })
  }
}

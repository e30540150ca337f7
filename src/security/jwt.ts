import jwt from 'jsonwebtoken'
import type { KeyObject } from 'node:crypto'
import type { JwtAlgorithm } from '../config/schema.js'
import { isHmacAlgorithm, type VerificationKeys } from './keys.js'
import type { Principal } from './principal.js'
import { readRoles } from './roles-claim.js'
import { TokenError } from './token-error.js'

export { KeyUnavailableError, TokenError, type AuthFailureReason } from './token-error.js'

/** What verification enforces besides the signature. */
export interface VerifyPolicy {
  issuer?: string
  audience?: string
  rolesClaim: string
  clockToleranceSeconds: number
  maxTokenLifetimeSeconds: number
  maxTokenBytes: number
  /** Refuse tokens without a string `jti`: only those can be revoked. */
  requireJti?: boolean
}

/** The parts of a JOSE header this gateway reads. */
interface TokenHeader {
  alg: string
  kid?: string
}

// Three base64url segments, none empty: RFC 7515 §7.1 compact serialization. An empty signature
// can only belong to `alg: none`, which is never accepted (RFC 8725 §3.1).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** Verifies a compact JWT and returns its principal; throws TokenError with a fixed reason. */
export async function verifyToken(token: string, keys: VerificationKeys, policy: VerifyPolicy, now = Date.now() / 1000): Promise<Principal> {
  // Cheap structural checks first, before any crypto or claim parsing (RFC 8725 §3.1, §3.11).
  if (token.length > policy.maxTokenBytes) throw new TokenError('too_large', 'token is too large')
  if (!COMPACT_JWS.test(token)) throw new TokenError('malformed', 'token is not a compact JWS')
  const header = readHeader(token)
  if (!(keys.algorithms as readonly string[]).includes(header.alg)) throw new TokenError('alg_not_allowed', 'token algorithm is not allowed')
  const alg = header.alg as JwtAlgorithm
  const candidates = await keysFor(alg, header.kid, keys)
  const payload = checkSignature(token, alg, candidates, policy, now)
  return principalFrom(payload, policy, now)
}

function readHeader(token: string): TokenHeader {
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'))
  } catch {
    // The cause is dropped on purpose: a parser's message quotes the bytes it choked on, which are
    // the caller's token, and a token must never reach a log; the reason code says what failed.
    throw new TokenError('malformed', 'token header is not JSON')
  }
  if (typeof header !== 'object' || header === null || !('alg' in header) || typeof header.alg !== 'string') {
    throw new TokenError('malformed', 'token header has no alg')
  }
  // No JWS extension is understood here, so a critical one must be refused (RFC 7515 §4.1.11).
  if ('crit' in header) throw new TokenError('malformed', 'token header has unsupported critical parameters')
  const kid = 'kid' in header ? header.kid : undefined
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256)) throw new TokenError('malformed', 'token kid is not valid')
  return { alg: header.alg, kid }
}

/**
 * The keys a token may be checked against. Each algorithm family is pinned to its own keys, so an
 * HS token is never checked against a public key used as an HMAC secret (key confusion, RFC 8725
 * §2.1), and keys named in the token header (`jku`, `jwk`, `x5u`) are never fetched or trusted.
 */
async function keysFor(alg: JwtAlgorithm, kid: string | undefined, keys: VerificationKeys): Promise<KeyObject[]> {
  if (isHmacAlgorithm(alg)) {
    const secrets = [keys.hmac, keys.previousHmac].filter((key) => key !== undefined)
    if (secrets.length === 0) throw new TokenError('alg_not_allowed', 'token algorithm is not allowed')
    return secrets
  }
  const pemFits = keys.publicKey !== undefined && keys.publicKeyAlgorithms.includes(alg)
  if (keys.jwks !== undefined && (kid !== undefined || !pemFits)) return [await keys.jwks(alg, kid)]
  if (keys.publicKey !== undefined && pemFits) return [keys.publicKey]
  throw new TokenError('alg_not_allowed', 'token algorithm is not allowed')
}

function checkSignature(token: string, alg: JwtAlgorithm, candidates: KeyObject[], policy: VerifyPolicy, now: number): jwt.JwtPayload {
  let failure: TokenError = new TokenError('bad_signature', 'token signature is invalid')
  for (const key of candidates) {
    try {
      const verified = jwt.verify(token, key, {
        algorithms: [alg],
        issuer: policy.issuer,
        audience: policy.audience,
        clockTolerance: policy.clockToleranceSeconds,
        clockTimestamp: Math.floor(now),
      })
      if (typeof verified === 'string') throw new TokenError('malformed', 'token payload is not a JSON object')
      return verified
    } catch (err) {
      failure = toTokenError(err)
      // Only a wrong signature is worth trying the next key (an HS secret being rolled over).
      if (failure.reason !== 'bad_signature') break
    }
  }
  throw failure
}

function principalFrom(payload: jwt.JwtPayload, policy: VerifyPolicy, now: number): Principal {
  if (typeof payload.exp !== 'number') throw new TokenError('missing_exp', 'token has no exp claim')
  if (payload.iat !== undefined && typeof payload.iat !== 'number') throw new TokenError('malformed', 'token iat is not a number')
  if (typeof payload.iat === 'number' && payload.iat > now + policy.clockToleranceSeconds) {
    throw new TokenError('not_yet_valid', 'token was issued in the future')
  }
  const issuedAt = typeof payload.iat === 'number' ? payload.iat : now
  if (payload.exp - Math.min(issuedAt, now) > policy.maxTokenLifetimeSeconds + policy.clockToleranceSeconds) {
    throw new TokenError('lifetime_too_long', 'token lifetime exceeds the allowed maximum')
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenError('missing_subject', 'token has no sub claim')
  // RFC 7519 §4.1.7: jti is a string. Revocation lists hold strings, so another type could never be revoked.
  if (payload.jti !== undefined && (typeof payload.jti !== 'string' || payload.jti === '')) throw new TokenError('malformed', 'token jti must be a string')
  if (policy.requireJti === true && payload.jti === undefined) throw new TokenError('missing_jti', 'token has no jti claim, so it could not be revoked')
  return {
    subject: payload.sub,
    roles: readRoles(payload, policy.rolesClaim),
    jti: payload.jti,
    expiresAt: payload.exp,
  }
}

function toTokenError(err: unknown): TokenError {
  if (err instanceof TokenError) return err
  if (err instanceof jwt.TokenExpiredError) return new TokenError('expired', 'token has expired')
  if (err instanceof jwt.NotBeforeError) return new TokenError('not_yet_valid', 'token is not valid yet')
  if (err instanceof jwt.JsonWebTokenError) {
    if (err.message.startsWith('jwt issuer invalid')) return new TokenError('wrong_issuer', 'token issuer is not accepted')
    if (err.message.startsWith('jwt audience invalid')) return new TokenError('wrong_audience', 'token audience is not accepted')
    if (err.message === 'invalid signature') return new TokenError('bad_signature', 'token signature is invalid')
    if (err.message.startsWith('invalid algorithm')) return new TokenError('alg_not_allowed', 'token algorithm is not allowed')
  }
  return new TokenError('malformed', 'token is invalid')
}

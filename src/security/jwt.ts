import jwt from 'jsonwebtoken'
import type { KeyObject } from 'node:crypto'
import type { JwtAlgorithm } from '../config/schema.js'
import { isHmacAlgorithm, type VerificationKeys } from './keys.js'
import type { Principal } from './principal.js'
import { readRoles } from './roles-claim.js'

/** Fixed reasons a token is refused: the only values of the auth-failure metric label. */
export const AUTH_FAILURE_REASONS = [
  'missing', 'malformed', 'too_large', 'alg_not_allowed', 'bad_signature', 'expired', 'not_yet_valid',
  'missing_exp', 'lifetime_too_long', 'wrong_issuer', 'wrong_audience', 'missing_subject', 'revoked',
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

/** What verification enforces besides the signature. */
export interface VerifyPolicy {
  issuer?: string
  audience?: string
  rolesClaim: string
  clockToleranceSeconds: number
  maxTokenLifetimeSeconds: number
  maxTokenBytes: number
}

// Three base64url segments (RFC 7515 §7.1 compact serialization).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Verifies a compact JWT and returns its principal; throws TokenError with a fixed reason. */
export function verifyToken(token: string, keys: VerificationKeys, policy: VerifyPolicy, now = Date.now() / 1000): Principal {
  // Cheap structural checks first, before any crypto or JSON parsing (RFC 8725 §3.1, §3.11).
  if (token.length > policy.maxTokenBytes) throw new TokenError('too_large', 'token is too large')
  if (!COMPACT_JWS.test(token)) throw new TokenError('malformed', 'token is not a compact JWS')
  const alg = readAlgorithm(token)
  if (!(keys.algorithms as readonly string[]).includes(alg)) throw new TokenError('alg_not_allowed', 'token algorithm is not allowed')
  const key = keyFor(alg as JwtAlgorithm, keys)
  let payload: jwt.JwtPayload
  try {
    const verified = jwt.verify(token, key, {
      algorithms: [alg as JwtAlgorithm],
      issuer: policy.issuer,
      audience: policy.audience,
      clockTolerance: policy.clockToleranceSeconds,
      clockTimestamp: Math.floor(now),
    })
    if (typeof verified === 'string') throw new TokenError('malformed', 'token payload is not a JSON object')
    payload = verified
  } catch (err) {
    throw toTokenError(err)
  }
  return principalFrom(payload, policy, now)
}

function readAlgorithm(token: string): string {
  const headerPart = token.slice(0, token.indexOf('.'))
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'))
  } catch {
    throw new TokenError('malformed', 'token header is not JSON')
  }
  if (typeof header !== 'object' || header === null || !('alg' in header) || typeof header.alg !== 'string') {
    throw new TokenError('malformed', 'token header has no alg')
  }
  return header.alg
}

function keyFor(alg: JwtAlgorithm, keys: VerificationKeys): KeyObject {
  // Each algorithm family is pinned to its own key, so an HS token can never be checked
  // against a public key used as an HMAC secret (key confusion, RFC 8725 §2.1).
  const key = isHmacAlgorithm(alg) ? keys.hmac : keys.publicKey
  if (key === undefined) throw new TokenError('alg_not_allowed', 'token algorithm is not allowed')
  return key
}

function principalFrom(payload: jwt.JwtPayload, policy: VerifyPolicy, now: number): Principal {
  if (typeof payload.exp !== 'number') throw new TokenError('missing_exp', 'token has no exp claim')
  const issuedAt = typeof payload.iat === 'number' ? payload.iat : now
  if (payload.exp - Math.min(issuedAt, now) > policy.maxTokenLifetimeSeconds + policy.clockToleranceSeconds) {
    throw new TokenError('lifetime_too_long', 'token lifetime exceeds the allowed maximum')
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenError('missing_subject', 'token has no sub claim')
  return {
    subject: payload.sub,
    roles: readRoles(payload, policy.rolesClaim),
    jti: typeof payload.jti === 'string' ? payload.jti : undefined,
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

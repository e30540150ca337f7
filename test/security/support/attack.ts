import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { assertEnvelope, type Envelope } from '../../helpers/envelope.js'

/** Base64url of a JSON value or raw bytes, as in a compact JWS. */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
}

/** A compact JWS with any header, signed with HMAC-SHA256 over `secret` (which may be a public key's PEM text). */
export function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer): string {
  const signingInput = `${b64url(header)}.${b64url(payload)}`
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`
}

/** Claims of a well-formed token, valid for ten minutes from now. */
export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { sub: 'attacker', roles: ['admin'], iat: now, exp: now + 600, ...extra }
}

/** GETs a route with `Authorization: Bearer <token>`. */
export function getWithToken(url: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { Authorization: `Bearer ${token}`, ...headers } })
}

/** Asserts the headers every response carries (helmet, contract.md). */
export function assertSecurityHeaders(response: Response): void {
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
  assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/)
  assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN')
  assert.equal(response.headers.get('x-powered-by'), null)
  assert.ok(response.headers.get('x-request-id'))
}

/** Asserts a 401 invalid_token in the envelope with the RFC 6750 challenge and the security headers. */
export async function assertInvalidToken(response: Response, message?: RegExp): Promise<Envelope> {
  const body = await assertEnvelope(response, 401, 'invalid_token')
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="portcullis", error="invalid_token"/)
  assertSecurityHeaders(response)
  if (message !== undefined) assert.match(body.error.message, message)
  return body
}

/** Asserts a 429 in the envelope with Retry-After and the RateLimit-* headers. */
export async function assertRateLimited(response: Response, limit: number): Promise<Envelope> {
  const body = await assertEnvelope(response, 429, 'rate_limited')
  const retryAfter = Number(response.headers.get('retry-after'))
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After is whole seconds: ${retryAfter}`)
  assert.equal(response.headers.get('ratelimit-limit'), String(limit))
  assert.equal(response.headers.get('ratelimit-remaining'), '0')
  assert.equal(response.headers.get('ratelimit-reset'), String(retryAfter))
  assertSecurityHeaders(response)
  return body
}

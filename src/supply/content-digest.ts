import { ApiError } from '../errors/api-error.js'

/**
 * The sha-256 of a `Content-Digest` header (RFC 9530: `sha-256=:<base64>:`, possibly among other
 * algorithms), as hex; undefined without the header. A header without sha-256 is refused, since
 * no other algorithm is checked and an unchecked digest must not pass for a checked one.
 */
export function sha256FromContentDigest(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined
  for (const member of header.split(',')) {
    const match = /^\s*sha-256\s*=\s*:([A-Za-z0-9+/]+={0,2}):\s*$/i.exec(member)
    if (match?.[1] === undefined) continue
    const digest = Buffer.from(match[1], 'base64')
    if (digest.length !== 32) throw new ApiError('invalid_input', 'Content-Digest sha-256 must be 32 bytes in base64')
    return digest.toString('hex')
  }
  throw new ApiError('invalid_input', 'Content-Digest must carry sha-256=:<base64>: (RFC 9530)')
}

/** The `Content-Digest` header value for a sha256 given in hex. */
export function contentDigestOf(digestHex: string): string {
  return `sha-256=:${Buffer.from(digestHex, 'hex').toString('base64')}:`
}

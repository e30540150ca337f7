import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** The headers a git host signs a webhook with. */
export interface WebhookCredentials {
  /** GitHub: `sha256=<hex HMAC-SHA256 of the body>`. */
  hubSignature256?: string
  /** GitLab: the secret token itself. */
  gitlabToken?: string
}

/**
 * True when the body is vouched for by the shared secret: GitHub's `X-Hub-Signature-256`
 * (HMAC-SHA256 of the raw body, hex) or GitLab's `X-Gitlab-Token`. Both compare in constant time;
 * the GitLab token is hashed first so two inputs of different lengths still compare equal-sized.
 */
export function verifyWebhook(secret: string, credentials: WebhookCredentials, body: Uint8Array): boolean {
  if (secret === '') return false
  const signature = credentials.hubSignature256
  if (signature !== undefined) {
    const match = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())
    if (match?.[1] === undefined) return false
    const expected = createHmac('sha256', secret).update(body).digest()
    return timingSafeEqual(Buffer.from(match[1], 'hex'), expected)
  }
  if (credentials.gitlabToken !== undefined) {
    const sha = (text: string): Buffer => createHash('sha256').update(text).digest()
    return timingSafeEqual(sha(credentials.gitlabToken), sha(secret))
  }
  return false
}

/** The `X-Hub-Signature-256` value GitHub sends for a body (for clients and tests). */
export function hubSignature256(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

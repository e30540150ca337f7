import assert from 'node:assert/strict'

/** The v1 error envelope of contract.md. */
export interface Envelope {
  error: { code: string; message: string; details: unknown[] }
  request_id: string
}

/** Asserts status, the envelope's shape and code, and that X-Request-ID matches the body. */
export async function assertEnvelope(response: Response, status: number, code: string): Promise<Envelope> {
  const text = await response.text()
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`)
  assert.match(response.headers.get('content-type') ?? '', /application\/json/)
  const body = JSON.parse(text) as Envelope
  assert.equal(body.error.code, code)
  assert.equal(typeof body.error.message, 'string')
  assert.ok(body.error.message.length > 0)
  assert.ok(Array.isArray(body.error.details))
  assert.equal(body.request_id, response.headers.get('x-request-id'))
  assert.doesNotMatch(text, /at .*\.(ts|js):\d+/, 'no stack trace in the body')
  return body
}

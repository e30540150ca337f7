import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

// A client sends a body far larger than any prediction needs, to exhaust memory (limits.maxBodyBytes).
describe('attack: payload too large', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { limits: { maxBodyBytes: 4096 } } })
  })
  after(() => server.close())

  it('answers 413 to a declared Content-Length over the limit', async () => {
    const body = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]], pad: 'x'.repeat(8192) })
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, body, server.token(['user']))
    await assertEnvelope(response, 413, 'payload_too_large')
    assertSecurityHeaders(response)
  })

  it('answers 413 to a declared Content-Length over the limit without a token, from the header alone', async () => {
    const body = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]], pad: 'x'.repeat(8192) })
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, body)
    await assertEnvelope(response, 413, 'payload_too_large')
    assertSecurityHeaders(response)
  })

  it('answers 413 to a chunked body that grows past the limit', async () => {
    const response = await new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const headers = { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Authorization: `Bearer ${server.token(['user'])}` }
      const req = request(`${server.url}/api/v1/models/iris/predict`, { method: 'POST', headers }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
      })
      // The server may answer and close before the client is done writing.
      req.on('error', reject)
      for (let i = 0; i < 8; i += 1) req.write(`{"x${i}": "${'y'.repeat(1024)}", `)
      req.end('"end": 1}')
    })
    assert.equal(response.status, 413)
    assert.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, 'payload_too_large')
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
  })

  it('answers 200 to a body under the limit (control)', async () => {
    assert.equal((await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, server.token(['user']))).status, 200)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, assertRateLimited, claims } from './support/attack.js'

function forwardedFor(address: string): RequestInit {
  return { headers: { 'X-Forwarded-For': address, 'X-Real-IP': address, Forwarded: `for=${address}` } }
}

// A client rotates X-Forwarded-For to look like many clients and dodge per-address limits.
describe('attack: spoofed X-Forwarded-For', () => {
  describe('with server.trustProxy off (the default)', () => {
    let server: TestServer
    before(async () => {
      server = await startServer({ config: { rateLimit: { anonymous: '2/minute', authFailures: '2/minute' } } })
    })
    after(() => server.close())

    it('answers 429 on the third anonymous request, whatever address each one claims', async () => {
      assert.equal((await fetch(`${server.url}/healthz`, forwardedFor('203.0.113.1'))).status, 200)
      assert.equal((await fetch(`${server.url}/healthz`, forwardedFor('203.0.113.2'))).status, 200)
      await assertRateLimited(await fetch(`${server.url}/healthz`, forwardedFor('203.0.113.3')), 2)
    })

    it('throttles failed tokens by the socket address, whatever address each one claims', async () => {
      for (const n of [1, 2]) {
        const guess = jwt.sign(claims(), `wrong-secret-${n}-0123456789abcdef0123456789`)
        const response = await fetch(`${server.url}/api/v1/models`, { headers: { ...forwardedFor(`198.51.100.${n}`).headers, Authorization: `Bearer ${guess}` } })
        await assertInvalidToken(response)
      }
      const guess = jwt.sign(claims(), 'wrong-secret-3-0123456789abcdef0123456789')
      await assertRateLimited(await fetch(`${server.url}/api/v1/models`, { headers: { ...forwardedFor('198.51.100.3').headers, Authorization: `Bearer ${guess}` } }), 2)
    })
  })

  describe('with server.trustProxy: 1 (one proxy in front)', () => {
    let server: TestServer
    before(async () => {
      server = await startServer({ config: { server: { port: 0, trustProxy: 1 }, rateLimit: { anonymous: '2/minute' } } })
    })
    after(() => server.close())

    it('counts by the entry the proxy appended, not by what the client wrote before it', async () => {
      const via = (spoofed: string, client: string): RequestInit => ({ headers: { 'X-Forwarded-For': `${spoofed}, ${client}` } })
      assert.equal((await fetch(`${server.url}/healthz`, via('203.0.113.7', '192.0.2.10'))).status, 200)
      assert.equal((await fetch(`${server.url}/healthz`, via('203.0.113.8', '192.0.2.10'))).status, 200)
      await assertRateLimited(await fetch(`${server.url}/healthz`, via('203.0.113.9', '192.0.2.10')), 2)
      assert.equal((await fetch(`${server.url}/healthz`, via('203.0.113.9', '192.0.2.11'))).status, 200, 'another real client keeps its own budget')
    })
  })
})

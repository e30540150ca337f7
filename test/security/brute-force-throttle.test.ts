import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, assertRateLimited, claims } from './support/attack.js'
import { send } from './support/http.js'

function guess(n: number): string {
  return jwt.sign(claims({ sub: `guess-${n}` }), `not-the-secret-${n}-0123456789abcdef0123`)
}

// Token guessing from one address (OWASP API2:2023): after rateLimit.authFailures refused tokens,
// the address's further refused tokens get 429 instead of 401.
describe('attack: brute-forcing tokens from one address', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { rateLimit: { authFailures: '3/minute' } } })
  })
  after(() => server.close())

  it('answers 401 to the first three wrong tokens, then 429', async () => {
    for (const n of [1, 2, 3]) await assertInvalidToken(await send(`${server.url}/api/v1/models`, { headers: { Authorization: `Bearer ${guess(n)}` } }))
    await assertRateLimited(await send(`${server.url}/api/v1/models`, { headers: { Authorization: `Bearer ${guess(4)}` } }), 3)
  })

  it('answers 429, not 401, to the next wrong tokens from the throttled address', async () => {
    await assertRateLimited(await send(`${server.url}/api/v1/models`, { headers: { Authorization: `Bearer ${guess(5)}` } }), 3)
  })

  it('answers 200 to a valid token from another address', async () => {
    const valid = jwt.sign(claims({ sub: 'elsewhere' }), TEST_SECRET)
    const response = await send(`${server.url}/api/v1/models`, { headers: { Authorization: `Bearer ${valid}` }, localAddress: '127.0.0.2' })
    assert.equal(response.status, 200)
  })

  it('counts every guess as a failure and the throttled ones as rate limited', async () => {
    const admin = jwt.sign(claims({ sub: 'auditor' }), TEST_SECRET)
    const metrics = await (await send(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${admin}` }, localAddress: '127.0.0.3' })).text()
    assert.match(metrics, /portcullis_auth_failures_total\{reason="bad_signature"\} 5\n/)
    assert.match(metrics, /portcullis_rate_limited_total\{limit="auth_failures"\} 2\n/)
  })
})

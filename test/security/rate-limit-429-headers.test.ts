import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertRateLimited } from './support/attack.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

function assertAllowed(response: Response, limit: number, remaining: number): void {
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('ratelimit-limit'), String(limit))
  assert.equal(response.headers.get('ratelimit-remaining'), String(remaining))
  const reset = Number(response.headers.get('ratelimit-reset'))
  assert.ok(reset > 0 && reset <= 60, `RateLimit-Reset is seconds from now: ${reset}`)
}

// One client floods the API (OWASP API4:2023): separate per-subject limits for predict, admin and
// the rest, and a per-address limit for traffic without credentials.
describe('attack: flooding past the rate limits', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { rateLimit: { default: '5/minute', predict: '3/minute', admin: '2/minute', anonymous: '2/minute' } } })
  })
  after(() => server.close())

  it('answers 429 with Retry-After and RateLimit-* on the fourth prediction of one subject', async () => {
    const token = server.token(['user'], 'flooder')
    for (const remaining of [2, 1, 0]) assertAllowed(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, token), 3, remaining)
    await assertRateLimited(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, token), 3)
    await assertRateLimited(await postJson(`${server.url}/api/v1/predict`, ROW, token), 3)
  })

  it('keys the limit by subject: another user still predicts', async () => {
    assertAllowed(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user'], 'neighbour')), 3, 2)
  })

  it('counts other routes of the same subject against their own limit', async () => {
    assertAllowed(await getJson(`${server.url}/api/v1/models`, server.token(['user'], 'flooder')), 5, 4)
  })

  it('answers 429 on the third admin call of one subject, while its predictions go on', async () => {
    const admin = server.token(['admin'], 'busy-admin')
    for (const remaining of [1, 0]) assertAllowed(await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti: `j${remaining}` }, admin), 2, remaining)
    await assertRateLimited(await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti: 'j' }, admin), 2)
    assertAllowed(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, admin), 3, 2)
  })

  it('answers 429 on the third request without credentials from one address', async () => {
    for (const remaining of [1, 0]) assertAllowed(await fetch(`${server.url}/healthz`), 2, remaining)
    await assertRateLimited(await fetch(`${server.url}/healthz`), 2)
    await assertRateLimited(await fetch(`${server.url}/api/v1/models`), 2)
  })
})

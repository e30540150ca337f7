import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken } from './support/attack.js'

// A long-lived token (a stolen signing key's favourite) is refused: auth.maxTokenLifetimeSeconds = 3600.
describe('attack: token lifetime over the maximum', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { auth: { maxTokenLifetimeSeconds: 3600 } } })
  })
  after(() => server.close())

  it('answers 200 to a token valid for 30 minutes (control)', async () => {
    const now = Math.floor(Date.now() / 1000)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, jwt.sign(claims({ iat: now, exp: now + 1800 }), TEST_SECRET))).status, 200)
  })

  it('answers 401 to a token valid for a year', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ iat: now, exp: now + 365 * 86_400 }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /lifetime exceeds/)
  })

  it('answers 401 to a long-lived token that hides its lifetime by leaving out iat', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign({ sub: 'sly', roles: ['user'], exp: now + 7200 }, TEST_SECRET, { noTimestamp: true })
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /lifetime exceeds/)
  })

  it('answers 401 to a long-lived token that backdates its iat', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ iat: now - 86_400, exp: now + 7200 }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /lifetime exceeds/)
  })
})

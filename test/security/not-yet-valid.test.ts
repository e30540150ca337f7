import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken } from './support/attack.js'

// A token used before its nbf (RFC 7519 §4.1.5), or one issued in the future (iat).
describe('attack: token not valid yet', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 401 to a token whose nbf is an hour away', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ nbf: now + 3600, exp: now + 4000 }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /not valid yet/)
  })

  it('answers 401 to a token whose iat is an hour away', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ iat: now + 3600, exp: now + 4000 }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /issued in the future/)
  })

  it('answers 200 to a token whose nbf is within the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ nbf: now + 10, exp: now + 600 }), TEST_SECRET)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })
})

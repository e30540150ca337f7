import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken } from './support/attack.js'

// A token minted for another issuer is replayed here (RFC 8725 §3.8, §3.9): auth.issuer is enforced.
describe('attack: wrong iss', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { auth: { issuer: 'https://idp.example.test' } } })
  })
  after(() => server.close())

  it('answers 200 to a token with the configured iss (control)', async () => {
    const token = jwt.sign(claims({ iss: 'https://idp.example.test' }), TEST_SECRET)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })

  it('answers 401 to a token with another iss', async () => {
    const token = jwt.sign(claims({ iss: 'https://evil.example.test' }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /issuer is not accepted/)
  })

  it('answers 401 to a token without iss', async () => {
    const token = jwt.sign(claims(), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /issuer is not accepted/)
  })
})

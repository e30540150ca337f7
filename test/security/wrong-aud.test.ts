import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken } from './support/attack.js'

// A token minted for another audience is replayed here (RFC 8725 §3.8, §3.9): auth.audience is enforced.
describe('attack: wrong aud', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { auth: { audience: 'portcullis-api' } } })
  })
  after(() => server.close())

  it('answers 200 to a token with the configured aud (control)', async () => {
    const token = jwt.sign(claims({ aud: 'portcullis-api' }), TEST_SECRET)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })

  it('answers 401 to a token with another aud', async () => {
    const token = jwt.sign(claims({ aud: 'another-api' }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /audience is not accepted/)
  })

  it('answers 401 to a token without aud', async () => {
    const token = jwt.sign(claims(), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /audience is not accepted/)
  })
})

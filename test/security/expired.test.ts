import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken } from './support/attack.js'

// A token replayed after its exp (RFC 7519 §4.1.4), with the default 30 s clock tolerance.
describe('attack: expired token', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 401 to a token that expired an hour ago', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ iat: now - 7200, exp: now - 3600 }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /expired/)
  })

  it('answers 401 to a token that expired just past the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ iat: now - 600, exp: now - 60 }), TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /expired/)
  })

  it('answers 200 to a token that expired within the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign(claims({ iat: now - 600, exp: now - 5 }), TEST_SECRET)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })
})

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { assertEnvelope } from '../helpers/envelope.js'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, b64url, claims, getWithToken } from './support/attack.js'

// RFC 8725 §2.1: a token that declares itself unsigned must never be accepted.
describe('attack: alg "none"', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 200 to a signed token with the same claims (control)', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' })
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })

  it('answers 401 to an unsigned token with an empty signature', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token))
  })

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`answers 401 to alg "${alg}" with a made-up signature`, async () => {
      const token = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims())}.${b64url('signature')}`
      await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /algorithm is not allowed/)
    })
  }

  it('answers 401 to a header without alg', async () => {
    const token = `${b64url({ typ: 'JWT' })}.${b64url(claims())}.${b64url('signature')}`
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /no alg/)
  })

  it('keeps the envelope on the unsigned token when it targets an admin route', async () => {
    const token = `${b64url({ alg: 'none' })}.${b64url(claims({ roles: ['admin'] }))}.`
    const response = await fetch(`${server.url}/api/v1/admin/tokens/revoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jti: 'anything' }),
    })
    await assertEnvelope(response, 401, 'invalid_token')
  })
})

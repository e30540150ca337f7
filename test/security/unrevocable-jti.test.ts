import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { postJson, startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, getWithToken } from './support/attack.js'

function tokenWith(jti: unknown): string {
  const now = Math.floor(Date.now() / 1000)
  const claims = { sub: 'mallory', roles: ['user'], iat: now, exp: now + 600, ...(jti === undefined ? {} : { jti }) }
  return jwt.sign(claims, TEST_SECRET, { algorithm: 'HS256' })
}

// A token that cannot be revoked outlives the incident it was stolen in: the revocation list holds
// string ids, so a token with a numeric jti, or none, could never be put on it.
describe('attack: tokens whose jti cannot be revoked', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { auth: { requireJti: true } } })
  })
  after(() => server.close())

  it('refuses a token without jti when revocation requires one', async () => {
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, tokenWith(undefined)), /jti/)
  })

  it('refuses a numeric jti', async () => {
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, tokenWith(42)), /jti/)
  })

  it('accepts a string jti, and revoking it shuts the token out', async () => {
    const jti = randomUUID()
    const stolen = tokenWith(jti)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, stolen)).status, 200)
    const revoked = await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti }, server.token(['admin']))
    assert.equal(revoked.status, 200)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, stolen), /revoked/)
  })
})

describe('a numeric jti where revocation does not require one', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('is refused all the same (RFC 7519: jti is a string), while no jti is accepted', async () => {
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, tokenWith(7)), /jti/)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, tokenWith(undefined))).status, 200)
  })
})

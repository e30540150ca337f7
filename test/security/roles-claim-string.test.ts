import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, getWithToken } from './support/attack.js'

function tokenWith(claims: Record<string, unknown>): string {
  return jwt.sign(claims, TEST_SECRET, { algorithm: 'HS256', subject: 'mallory', expiresIn: 600, jwtid: randomUUID() })
}

// An identity provider that lets users edit a free-text "roles" attribute must not let
// `"user admin"` become two roles: only the `scope` claim is space-separated (RFC 8693).
describe('attack: a roles claim given as one space-separated string', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('refuses "user admin" in the roles claim with 401 instead of granting both roles', async () => {
    const response = await getWithToken(`${server.url}/metrics`, tokenWith({ roles: 'user admin' }))
    await assertInvalidToken(response, /roles/)
  })

  it('takes a single string as one role', async () => {
    const asUser = await getWithToken(`${server.url}/api/v1/models`, tokenWith({ roles: 'user' }))
    assert.equal(asUser.status, 200)
    const notAdmin = await getWithToken(`${server.url}/metrics`, tokenWith({ roles: 'user' }))
    assert.equal(notAdmin.status, 403)
  })
})

describe('a scope claim', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { auth: { rolesClaim: 'scope' } } })
  })
  after(() => server.close())

  it('is split on spaces, as RFC 8693 defines it', async () => {
    const response = await getWithToken(`${server.url}/metrics`, tokenWith({ scope: 'user admin' }))
    assert.equal(response.status, 200)
  })
})

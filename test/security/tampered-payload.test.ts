import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, b64url, getWithToken } from './support/attack.js'

// A user edits the payload of a genuine token (roles: user → admin) and keeps its signature.
describe('attack: tampered payload', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 401 to a genuine token whose roles were raised to admin', async () => {
    const genuine = server.token(['user'], 'mallory')
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, genuine)).status, 200)
    const [header, payload, signature] = genuine.split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    const tampered = `${header}.${b64url({ ...claims, roles: ['admin'] })}.${signature}`
    const response = await fetch(`${server.url}/api/v1/admin/tokens/revoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tampered}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jti: 'someone-else' }),
    })
    await assertInvalidToken(response, /signature is invalid/)
  })

  it('answers 401 to a genuine token with a longer expiry', async () => {
    const [header, payload, signature] = server.token(['user']).split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { exp: number }
    const tampered = `${header}.${b64url({ ...claims, exp: claims.exp + 300 })}.${signature}`
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, tampered), /signature is invalid/)
  })

  it('answers 401 to a genuine token with one flipped signature character', async () => {
    const token = server.token(['user'])
    const last = token.at(-2) === 'A' ? 'B' : 'A'
    const flipped = `${token.slice(0, -2)}${last}${token.at(-1)}`
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, flipped))
  })
})

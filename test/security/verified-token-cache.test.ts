import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import type { Principal } from '../../src/security/principal.js'
import { VerifiedTokenCache } from '../../src/security/verified-token-cache.js'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, postJson, startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'

const NOW_MS = 1_800_000_000_000

function principal(expiresAt: number): Principal {
  return { subject: 'alice', roles: ['user'], jti: 'j1', expiresAt }
}

describe('VerifiedTokenCache', () => {
  it('verifies a token once and answers repeats from memory', async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, clockToleranceSeconds: 0 })
    let verifications = 0
    const verify = async () => {
      verifications += 1
      return principal(NOW_MS / 1000 + 600)
    }
    const first = await cache.verify('token-a', verify, NOW_MS)
    const second = await cache.verify('token-a', verify, NOW_MS + 1000)
    assert.equal(verifications, 1)
    assert.deepEqual(second, first)
    await cache.verify('token-b', verify, NOW_MS)
    assert.equal(verifications, 2)
  })

  it('verifies again once the exp (plus the clock tolerance) has passed', async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, clockToleranceSeconds: 30 })
    const exp = Math.floor(Date.now() / 1000) + 600
    let verifications = 0
    const verify = async () => {
      verifications += 1
      return principal(exp)
    }
    await cache.verify('token', verify)
    await cache.verify('token', verify, (exp + 29) * 1000)
    assert.equal(verifications, 1)
    await assert.rejects(
      cache.verify('token', () => Promise.reject(new Error('expired')), (exp + 30) * 1000),
      /expired/,
    )
  })

  it('remembers no refusal', async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, clockToleranceSeconds: 0 })
    await assert.rejects(cache.verify('bad', () => Promise.reject(new Error('bad signature')), NOW_MS))
    assert.equal(cache.size, 0)
  })

  it('hands out a frozen principal, so no request can change what the next one sees', async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 10, clockToleranceSeconds: 0 })
    await cache.verify('token', async () => principal(Date.now() / 1000 + 600))
    const cached = await cache.verify('token', () => Promise.reject(new Error('not cached')))
    assert.ok(Object.isFrozen(cached))
    assert.ok(Object.isFrozen(cached.roles))
  })

  it('holds at most maxEntries tokens', async () => {
    const cache = new VerifiedTokenCache({ maxEntries: 3, clockToleranceSeconds: 0 })
    for (let i = 0; i < 10; i += 1) await cache.verify(`token-${i}`, async () => principal(Date.now() / 1000 + 600))
    assert.equal(cache.size, 3)
  })
})

describe('authenticate with the verified-token cache', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('refuses a cached token once it is revoked', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign({ sub: 'mallory', roles: ['user'], jti: 'revoke-me', iat: now, exp: now + 600 }, TEST_SECRET)
    assert.equal((await getJson(`${server.url}/api/v1/models`, token)).status, 200)
    assert.equal((await getJson(`${server.url}/api/v1/models`, token)).status, 200)
    const revoked = await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti: 'revoke-me' }, server.token(['admin']))
    assert.ok(revoked.status < 300, `revoke answered ${revoked.status}`)
    await assertEnvelope(await getJson(`${server.url}/api/v1/models`, token), 401, 'invalid_token')
  })

  it('still refuses a token with a changed payload after the original was cached', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign({ sub: 'eve', roles: ['user'], iat: now, exp: now + 600 }, TEST_SECRET)
    assert.equal((await getJson(`${server.url}/api/v1/models`, token)).status, 200)
    const [header, , signature] = token.split('.')
    const payload = Buffer.from(JSON.stringify({ sub: 'eve', roles: ['admin'], iat: now, exp: now + 600 })).toString('base64url')
    await assertEnvelope(await getJson(`${server.url}/api/v1/models`, `${header}.${payload}.${signature}`), 401, 'invalid_token')
  })
})

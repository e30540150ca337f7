import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken } from './support/attack.js'

// RFC 8725 §3.1: only the algorithms on the allowlist (auth.algorithms: [HS256]) are accepted.
describe('attack: an algorithm not on the allowlist', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { auth: { algorithms: ['HS256'] } } })
  })
  after(() => server.close())

  it('answers 200 to HS256 with the configured secret (control)', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' })
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })

  for (const algorithm of ['HS384', 'HS512'] as const) {
    it(`answers 401 to ${algorithm} even when signed with the right secret`, async () => {
      const token = jwt.sign(claims(), TEST_SECRET, { algorithm })
      await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /algorithm is not allowed/)
    })
  }

  it('answers 401 to RS256 signed with a key the attacker made', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const token = jwt.sign(claims(), privateKey, { algorithm: 'RS256' })
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /algorithm is not allowed/)
  })

  it('answers 401 to an algorithm name no library knows', async () => {
    const [, payload, signature] = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' }).split('.')
    const header = Buffer.from(JSON.stringify({ alg: 'HS1024', typ: 'JWT' })).toString('base64url')
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, `${header}.${payload}.${signature}`), /algorithm is not allowed/)
  })
})

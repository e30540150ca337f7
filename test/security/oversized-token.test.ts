import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, b64url, claims, getWithToken } from './support/attack.js'

// An oversized token costs base64 and JSON work before any check; it is refused on length alone
// (limits.maxTokenBytes, default 8 KiB), as is anything that is not a compact JWS.
describe('attack: oversized and malformed tokens', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 200 to a correctly signed token just under 8 KiB (control)', async () => {
    const token = jwt.sign(claims({ pad: 'x'.repeat(5800) }), TEST_SECRET)
    assert.ok(token.length < 8192 && token.length > 7000, `token is ${token.length} bytes`)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, token)).status, 200)
  })

  it('answers 401 to a correctly signed token over 8 KiB', async () => {
    const token = jwt.sign(claims({ pad: 'x'.repeat(6400) }), TEST_SECRET)
    assert.ok(token.length > 8192, `token is ${token.length} bytes`)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /too large/)
  })

  const malformed: Record<string, string> = {
    'two segments': `${b64url({ alg: 'HS256' })}.${b64url(claims())}`,
    'five segments (JWE)': 'a.b.c.d.e',
    'JSON serialization': JSON.stringify({ payload: b64url(claims()), signatures: [] }),
    'padding and spaces': `${b64url({ alg: 'HS256' })}=.${b64url(claims())}.c2ln`,
    'a header that is not JSON': `${b64url('not json')}.${b64url(claims())}.c2ln`,
    'a critical header extension': jwt.sign(claims(), TEST_SECRET, { header: { alg: 'HS256', crit: ['exp'] } as jwt.JwtHeader }),
  }
  for (const [name, token] of Object.entries(malformed)) {
    it(`answers 401 to a token with ${name}`, async () => {
      await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token))
    })
  }

  it('answers 401 to an Authorization header that is not a bearer token', async () => {
    const response = await fetch(`${server.url}/api/v1/models`, { headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } })
    await assertInvalidToken(response, /Bearer/)
  })
})

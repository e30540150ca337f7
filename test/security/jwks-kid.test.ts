import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { assertEnvelope } from '../helpers/envelope.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { jwkThumbprint } from '../../src/security/keys.js'
import { assertInvalidToken, b64url, claims, getWithToken, hmacToken } from './support/attack.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaKid = jwkThumbprint(rsa.publicKey)
const ecKid = jwkThumbprint(ec.publicKey)
const JWKS = {
  keys: [
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: rsaKid, alg: 'RS256', use: 'sig' },
    { ...ec.publicKey.export({ format: 'jwk' }), kid: ecKid, alg: 'ES256', use: 'sig' },
  ],
}

function sign(key: KeyObject, algorithm: 'RS256' | 'ES256', keyid?: string): string {
  return jwt.sign(claims(), key, { algorithm, ...(keyid === undefined ? {} : { keyid }) })
}

// Keys from a JWKS, chosen by kid: two keys live side by side during a rotation, and nothing in the
// token header (kid, jwk, jku) can bring in a key of the attacker's.
describe('attack: choosing the key through the token header (JWKS file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-jwks-'))
  let server: TestServer
  before(async () => {
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(JWKS))
    server = await startServer({ config: { auth: { algorithms: ['RS256', 'ES256'], jwksFile: join(dir, 'jwks.json') } } })
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers 200 to tokens of both keys of the set (rotation)', async () => {
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, sign(rsa.privateKey, 'RS256', rsaKid))).status, 200)
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, sign(ec.privateKey, 'ES256', ecKid))).status, 200)
  })

  it('answers 401 to a kid that is not in the set', async () => {
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, sign(rsa.privateKey, 'RS256', 'retired-key')), /no key matches/)
  })

  it('answers 401 to an RS256 token that names the EC key', async () => {
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, sign(rsa.privateKey, 'RS256', ecKid)), /no key matches/)
  })

  it("answers 401 to the attacker's key under a genuine kid", async () => {
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, sign(attacker.privateKey, 'RS256', rsaKid)), /signature is invalid/)
  })

  it('answers 401 to a token that embeds its own key (jwk) and a key URL (jku)', async () => {
    const header = { alg: 'RS256', jwk: attacker.publicKey.export({ format: 'jwk' }), jku: 'http://127.0.0.1:1/jwks.json' }
    const unsigned = `${b64url(header)}.${b64url(claims())}`
    const token = `${unsigned}.${jwt.sign(claims(), attacker.privateKey, { algorithm: 'RS256' }).split('.')[2]}`
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token))
  })

  it("answers 401 to HS256 signed with a JWKS key's PEM (key confusion)", async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, hmacToken({ alg: 'HS256', kid: rsaKid }, claims(), pem)), /algorithm is not allowed/)
  })
})

describe("attack: an identity provider's JWKS URL (auth.jwksUri)", () => {
  let jwksServer: Server
  let server: TestServer
  let unreachable: TestServer
  before(async () => {
    jwksServer = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify(JWKS))
    })
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
    const address = jwksServer.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    server = await startServer({ config: { auth: { algorithms: ['RS256', 'ES256'], jwksUri: `http://127.0.0.1:${port}/jwks.json` } } })
    // Port 9 (discard) has no listener here: the provider is down.
    unreachable = await startServer({ config: { auth: { algorithms: ['RS256'], jwksUri: 'http://127.0.0.1:9/jwks.json' } } })
  })
  after(async () => {
    await server.close()
    await unreachable.close()
    await new Promise((resolve) => jwksServer.close(resolve))
  })

  it('answers 200 to a token of a fetched key, and 401 to an unknown kid', async () => {
    assert.equal((await getWithToken(`${server.url}/api/v1/models`, sign(ec.privateKey, 'ES256', ecKid))).status, 200)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, sign(rsa.privateKey, 'RS256', 'unknown')), /no key matches/)
  })

  it('answers 503 with Retry-After, not 401, while the provider cannot be reached', async () => {
    const response = await getWithToken(`${unreachable.url}/api/v1/models`, sign(rsa.privateKey, 'RS256', rsaKid))
    await assertEnvelope(response, 503, 'unavailable')
    assert.ok(response.headers.get('retry-after'))
  })
})

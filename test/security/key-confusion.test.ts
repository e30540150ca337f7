import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, claims, getWithToken, hmacToken } from './support/attack.js'

// RFC 8725 §2.1: an attacker who knows the public key signs an HS256 token with the PEM text as
// the HMAC secret; a library that picks the algorithm from the header would accept it.
for (const family of ['rsa', 'ec'] as const) {
  describe(`attack: HS256 token signed with the ${family.toUpperCase()} public key (key confusion)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
    const pair = family === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const alg = family === 'rsa' ? 'RS256' : 'ES256'
    let server: TestServer
    before(async () => {
      writeFileSync(join(dir, 'public.pem'), publicPem)
      // HS256 stays allowed beside the asymmetric algorithm: the configuration where confusion bites.
      server = await startServer({ config: { auth: { algorithms: [alg, 'HS256'], publicKeyFile: join(dir, 'public.pem') } } })
    })
    after(async () => {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`answers 200 to ${alg} signed with the private key, and to HS256 signed with the secret (controls)`, async () => {
      const signed = jwt.sign(claims(), pair.privateKey as KeyObject, { algorithm: alg })
      assert.equal((await getWithToken(`${server.url}/api/v1/models`, signed)).status, 200)
      assert.equal((await getWithToken(`${server.url}/api/v1/models`, jwt.sign(claims(), TEST_SECRET))).status, 200)
    })

    it('answers 401 to HS256 with the public key PEM as the HMAC secret', async () => {
      const forged = hmacToken({ alg: 'HS256', typ: 'JWT' }, claims(), publicPem)
      await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, forged), /signature is invalid/)
    })

    it('answers 401 to HS256 with the DER bytes of the public key as the secret', async () => {
      const der = pair.publicKey.export({ type: 'spki', format: 'der' })
      const forged = hmacToken({ alg: 'HS256', typ: 'JWT' }, claims(), der)
      await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, forged), /signature is invalid/)
    })
  })
}

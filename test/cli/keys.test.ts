import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { algorithmsForKey, jwkThumbprint } from '../../src/security/keys.js'
import { portcullis } from './run-cli.js'

describe('portcullis keys generate', { concurrency: true }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-cli-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  for (const [alg, bytes] of [
    ['HS256', 64],
    ['HS512', 128],
  ] as const) {
    it(`prints a random ${bytes}-byte base64url secret for ${alg}`, async () => {
      const secret = (await portcullis(['keys', 'generate', '--alg', alg])).stdout.trim()
      assert.match(secret, /^[A-Za-z0-9_-]+$/)
      assert.equal(Buffer.from(secret, 'base64url').length, bytes)
      assert.equal(new Set(secret).size > 20, true, 'not a repeated pattern')
    })
  }

  for (const alg of ['RS256', 'ES384'] as const) {
    it(`writes a ${alg} pair, private key 0600, and a jwks.json whose kid is the key's thumbprint`, async () => {
      const out = join(dir, alg)
      const { stdout } = await portcullis(['keys', 'generate', '--alg', alg, '--out', out])
      const privateKey = createPrivateKey(readFileSync(join(out, 'private.pem')))
      const publicKey = createPublicKey(readFileSync(join(out, 'public.pem')))
      assert.equal(statSync(join(out, 'private.pem')).mode & 0o777, 0o600)
      assert.ok(algorithmsForKey(publicKey).includes(alg))
      const jwks = JSON.parse(readFileSync(join(out, 'jwks.json'), 'utf8')) as { keys: Record<string, string>[] }
      assert.equal(jwks.keys.length, 1)
      assert.equal(jwks.keys[0]?.kid, jwkThumbprint(privateKey))
      assert.equal(jwks.keys[0]?.alg, alg)
      assert.equal(jwks.keys[0]?.d, undefined, 'no private member in the published set')
      assert.match(stdout, new RegExp(`kid ${jwks.keys[0]?.kid}`))
    })
  }

  it('exits 2 on an algorithm it does not know', async () => {
    await assert.rejects(
      portcullis(['keys', 'generate', '--alg', 'none']),
      (err: { code?: number; stderr?: string }) => err.code === 2 && /unknown algorithm/.test(err.stderr ?? ''),
    )
  })
})

import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ConfigError } from '../../src/config/config-error.js'
import { contentDigestOf, sha256FromContentDigest } from '../../src/supply/content-digest.js'
import { ModelTrust, signModelDigest } from '../../src/supply/model-signature.js'
import { hubSignature256, verifyWebhook } from '../../src/supply/webhook-signature.js'

const body = Buffer.from('{"ref":"refs/heads/main"}')

describe('verifyWebhook(secret, credentials, body)', () => {
  it("accepts GitHub's X-Hub-Signature-256 of the exact body and GitLab's token", () => {
    assert.equal(verifyWebhook('s3cret', { hubSignature256: hubSignature256('s3cret', body) }, body), true)
    assert.equal(verifyWebhook('s3cret', { gitlabToken: 's3cret' }, body), true)
  })

  it('refuses another secret, another body, a malformed or missing signature, and an empty secret', () => {
    assert.equal(verifyWebhook('s3cret', { hubSignature256: hubSignature256('other', body) }, body), false)
    assert.equal(verifyWebhook('s3cret', { hubSignature256: hubSignature256('s3cret', body) }, Buffer.from('{}')), false)
    assert.equal(verifyWebhook('s3cret', { hubSignature256: 'sha256=abc' }, body), false)
    assert.equal(verifyWebhook('s3cret', { hubSignature256: hubSignature256('s3cret', body).replace('sha256=', 'sha1=') }, body), false)
    assert.equal(verifyWebhook('s3cret', { gitlabToken: 's3cret ' }, body), false)
    assert.equal(verifyWebhook('s3cret', {}, body), false)
    assert.equal(verifyWebhook('', { gitlabToken: '' }, body), false)
  })
})

describe('sha256FromContentDigest(header)', () => {
  const hex = createHash('sha256').update(body).digest('hex')

  it('reads sha-256 among other algorithms, and nothing without the header', () => {
    assert.equal(sha256FromContentDigest(contentDigestOf(hex)), hex)
    assert.equal(sha256FromContentDigest(`sha-512=:${Buffer.alloc(64).toString('base64')}:, ${contentDigestOf(hex)}`), hex)
    assert.equal(sha256FromContentDigest(undefined), undefined)
  })

  it('refuses a header without sha-256 or with a digest of the wrong length', () => {
    assert.throws(() => sha256FromContentDigest('sha-512=:AAAA:'), /sha-256/)
    assert.throws(() => sha256FromContentDigest('sha-256=:AAAA:'), /32 bytes/)
  })
})

describe('ModelTrust', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-model-trust-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, pem: string | Buffer): string => {
    writeFileSync(join(dir, name), pem)
    return join(dir, name)
  }
  const ed = generateKeyPairSync('ed25519')
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const digest = createHash('sha256').update('model bytes').digest('hex')

  it('vouches for Ed25519 and ECDSA P-256 signatures of sha256:<hex> by a trusted key', () => {
    const trust = ModelTrust.fromFiles([
      write('ed.pem', ed.publicKey.export({ type: 'spki', format: 'pem' })),
      write('p256.pem', p256.publicKey.export({ type: 'spki', format: 'pem' })),
    ])
    assert.equal(trust.refusal(digest, signModelDigest(ed.privateKey, digest)), undefined)
    assert.equal(trust.refusal(digest, signModelDigest(p256.privateKey, digest)), undefined)
    assert.match(trust.refusal(digest, signModelDigest(ed.privateKey, digest.replace(/^./, '0'))) ?? '', /does not verify/)
    assert.match(trust.refusal(digest, undefined) ?? '', /not signed/)
    assert.match(trust.refusal(digest, 'not base64!') ?? '', /not base64/)
    assert.match(trust.refusal(digest, Buffer.from('short').toString('base64')) ?? '', /does not verify/)
  })

  it('refuses to start on a missing file or a key of another type', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    assert.throws(() => ModelTrust.fromFiles([join(dir, 'missing.pem')]), ConfigError)
    assert.throws(() => ModelTrust.fromFiles([write('rsa.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }))]), /neither an Ed25519 nor an ECDSA P-256/)
  })
})

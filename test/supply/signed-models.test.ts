import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { stringify } from 'yaml'
import { ConfigError } from '../../src/config/config-error.js'
import { loadConfig } from '../../src/config/load.js'
import { signModelDigest } from '../../src/supply/model-signature.js'
import { portcullis } from '../cli/run-cli.js'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { constantClassifier, fixture } from '../models/repo-fixtures.js'
import { json, listing, putVersion, SETOSA, sha256 } from './support.js'

interface VersionView {
  version: string
  status: string
  reason?: string
  detail?: string
}
interface AuditEntry {
  action: string
  model?: string
  outcome: string
  reason?: string
}

function writePem(path: string, key: KeyObject): string {
  writeFileSync(path, key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }))
  return path
}

describe('signed models (models.trust)', () => {
  let server: TestServer
  let repo: { dir: string; cleanup: () => void }
  let keysDir: string
  let admin: string
  let user: string
  const ecdsa = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const untrusted = generateKeyPairSync('ed25519')

  before(async () => {
    repo = await tempRepository()
    keysDir = mkdtempSync(join(tmpdir(), 'portcullis-trust-'))
    await portcullis(['keys', 'generate', '--alg', 'Ed25519', '--out', join(keysDir, 'release')])
    await portcullis(['models', 'sign', '--key', join(keysDir, 'release', 'private.pem'), '--model-file', join(repo.dir, 'iris', '1', 'model.onnx')])
    // A model whose signature is by a key the gateway does not trust.
    const rogue = constantClassifier(0)
    mkdirSync(join(repo.dir, 'rogue', '1'), { recursive: true })
    writeFileSync(join(repo.dir, 'rogue', '1', 'model.onnx'), rogue)
    writeFileSync(join(repo.dir, 'rogue', '1', 'model.onnx.sig'), signModelDigest(untrusted.privateKey, sha256(rogue)))
    const publicKeys = [join(keysDir, 'release', 'public.pem'), writePem(join(keysDir, 'ecdsa.pub.pem'), ecdsa.publicKey)]
    server = await startServer({ modelsDir: repo.dir, config: { models: { trust: { publicKeys } }, rateLimit: { enabled: false } } })
    admin = server.token(['admin'])
    user = server.token(['user'])
  })
  after(async () => {
    await server.close()
    repo.cleanup()
    rmSync(keysDir, { recursive: true, force: true })
  })

  const versionOf = async (model: string, version: string): Promise<VersionView | undefined> =>
    (await json<{ versions: VersionView[] }>(await getJson(`${server.url}/api/v1/models/${model}`, admin))).versions.find((view) => view.version === version)

  it('serves a version signed with a trusted key by `portcullis models sign`', async () => {
    assert.equal((await versionOf('iris', '1'))?.status, 'ready')
    const answer = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, user)
    assert.equal(answer.status, 200)
  })

  it('refuses repository versions that are unsigned or signed by an untrusted key, with the reason for admins', async () => {
    const unsigned = await versionOf('iris-logreg', '1')
    assert.equal(unsigned?.status, 'failed')
    assert.equal(unsigned.reason, 'untrusted_signature')
    assert.match(unsigned.detail ?? '', /not signed/)
    const rogue = await versionOf('rogue', '1')
    assert.equal(rogue?.status, 'failed')
    assert.equal(rogue.reason, 'untrusted_signature')
    assert.match(rogue.detail ?? '', /does not verify with any trusted key/)
    assert.equal((await postJson(`${server.url}/api/v1/models/rogue/predict`, { inputs: [SETOSA] }, user)).status, 503)
    const { entries } = await json<{ entries: AuditEntry[] }>(await getJson(`${server.url}/api/v1/admin/audit`, admin))
    const refusals = entries
      .filter((entry) => entry.action === 'signature' && entry.outcome === 'refused')
      .map((entry) => entry.model)
      .sort()
    assert.deepEqual(refusals, ['iris-logreg', 'rogue'])
  })

  it('refuses a publish with no signature, an untrusted signature, or a signature over other bytes, writing nothing', async () => {
    const bytes = constantClassifier(1)
    const before = listing(repo.dir)
    const attempts = {
      'not signed': {},
      'untrusted key': { 'X-Model-Signature': signModelDigest(untrusted.privateKey, sha256(bytes)) },
      'other bytes': { 'X-Model-Signature': signModelDigest(ecdsa.privateKey, sha256(fixture('simple.onnx'))) },
    }
    for (const [what, headers] of Object.entries(attempts)) {
      const response = await putVersion(server.url, admin, 'iris', '2', bytes, headers)
      assert.equal(response.status, 400, what)
      assert.match((await json<{ error: { message: string } }>(response)).error.message, what === 'not signed' ? /not signed/ : /does not verify/, what)
    }
    assert.deepEqual(listing(repo.dir), before)
    assert.equal(await versionOf('iris', '2'), undefined)
  })

  it('serves a published version with a trusted ECDSA P-256 signature, kept beside the file', async () => {
    const bytes = constantClassifier(1)
    const signature = signModelDigest(ecdsa.privateKey, sha256(bytes))
    const response = await putVersion(server.url, admin, 'iris', '2', bytes, { 'X-Model-Signature': signature })
    assert.equal(response.status, 201)
    assert.equal(readFileSync(join(repo.dir, 'iris', '2', 'model.onnx.sig'), 'utf8').trim(), signature)
    const answer = await json<{ version: string; predictions: string[] }>(await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, user))
    assert.deepEqual([answer.version, answer.predictions[0]], ['2', 'versicolor'])
  })

  it('pushes a signed file and pulls it back with the CLI', async () => {
    const work = mkdtempSync(join(tmpdir(), 'portcullis-push-'))
    try {
      const file = join(work, 'model.onnx')
      writeFileSync(file, constantClassifier(2))
      await portcullis(['models', 'sign', '--key', join(keysDir, 'release', 'private.pem'), '--model-file', file])
      assert.ok(existsSync(`${file}.sig`))
      const cli = ['--url', server.url, '--token', admin, '--model', 'iris', '--version', '3']
      const pushed = await portcullis(['models', 'push', ...cli, '--file', file])
      assert.match(pushed.stdout, /published iris version 3/)
      const out = join(work, 'pulled.onnx')
      await portcullis(['models', 'pull', ...cli, '--out', out])
      assert.deepEqual(readFileSync(out), readFileSync(file))
      await assert.rejects(portcullis(['models', 'push', ...cli, '--file', file]), (err: { code?: number; stderr?: string }) => err.code === 1 && /409/.test(err.stderr ?? ''))
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})

describe('models.trust with no key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-trust-config-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const configPath = join(dir, 'trust.yaml')
  writeFileSync(configPath, stringify({ models: { trust: { publicKeys: [] } } }))

  it('stops staging and production before they start', () => {
    for (const env of ['staging', 'production']) {
      assert.throws(
        () => loadConfig({ APP_ENV: env, JWT_SECRET: TEST_SECRET, CONFIG_PATH: configPath }),
        (err: unknown) => err instanceof ConfigError && err.keyPath === 'models.trust.publicKeys',
      )
    }
    assert.doesNotThrow(() => loadConfig({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, CONFIG_PATH: configPath }))
  })

  it('makes the CLI exit 2', async () => {
    await assert.rejects(
      portcullis(['token', '--sub', 'x'], { APP_ENV: 'production', JWT_SECRET: TEST_SECRET, CONFIG_PATH: configPath }),
      (err: { code?: number; stderr?: string }) => err.code === 2 && /models\.trust\.publicKeys/.test(err.stderr ?? ''),
    )
  })
})

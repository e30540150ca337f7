import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { hubSignature256 } from '../../src/supply/webhook-signature.js'
import { demoModelsDir } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { constantClassifier, eventually, fixture } from '../models/repo-fixtures.js'
import { json, SETOSA } from './support.js'

interface VersionView {
  version: string
  status: string
  reason?: string
}
interface AuditEntry {
  actor: string
  action: string
  version?: string
  outcome: string
  reason?: string
  detail?: string
}

const SECRET = `hook-secret-${randomUUID()}`

/** A working clone that commits and pushes to a bare repository made for the test. */
class ModelsRepo {
  readonly work: string
  constructor(
    readonly root: string,
    readonly bare: string,
  ) {
    this.work = join(root, 'work')
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare])
    execFileSync('git', ['clone', '--quiet', `file://${bare}`, this.work], { stdio: 'ignore' })
  }

  write(relative: string, bytes: Uint8Array | string): void {
    const path = join(this.work, relative)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, bytes)
  }

  push(message: string): void {
    const git = (...args: string[]): Buffer => execFileSync('git', ['-c', 'user.name=Release', '-c', 'user.email=release@example.org', ...args], { cwd: this.work, stdio: 'pipe' })
    git('add', '-A')
    git('commit', '--quiet', '-m', message)
    git('push', '--quiet', 'origin', 'HEAD:main')
  }
}

describe('models.source: git, with the webhook', () => {
  let server: TestServer
  let root: string
  let repo: ModelsRepo
  let admin: string
  let user: string
  const firstDelivery = randomUUID()

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'portcullis-git-'))
    repo = new ModelsRepo(root, join(root, 'origin.git'))
    cpSync(join(await demoModelsDir(), 'iris'), join(repo.work, 'models', 'iris'), { recursive: true })
    repo.push('iris version 1')
    const modelsDir = join(root, 'models')
    mkdirSync(modelsDir)
    const git = {
      url: `file://${repo.bare}`,
      branch: 'main',
      path: 'models',
      checkoutDir: join(root, 'checkout'),
      pollIntervalMs: 0,
      webhookSecret: SECRET,
      webhookRate: '12/minute',
    }
    server = await startServer({ modelsDir, config: { models: { source: 'git', git }, rateLimit: { enabled: false } } })
    admin = server.token(['admin'])
    user = server.token(['user'])
  })
  after(async () => {
    await server.close()
    rmSync(root, { recursive: true, force: true })
  })

  const hook = (body: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${server.url}/api/v1/hooks/git`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body })
  const githubHook = (delivery: string, body = '{"ref":"refs/heads/main"}'): Promise<Response> =>
    hook(body, { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': delivery, 'X-Hub-Signature-256': hubSignature256(SECRET, body) })
  const versions = async (): Promise<VersionView[]> => (await json<{ versions: VersionView[] }>(await getJson(`${server.url}/api/v1/models/iris`, admin))).versions
  const syncCount = (): number => server.runtime.supply.git?.sync.syncCount ?? -1
  const audit = async (): Promise<AuditEntry[]> => (await json<{ entries: AuditEntry[] }>(await getJson(`${server.url}/api/v1/admin/audit`, admin))).entries

  it('pulls at start and serves what the branch holds', async () => {
    assert.deepEqual(
      (await versions()).map((version) => [version.version, version.status]),
      [['1', 'ready']],
    )
    assert.ok((await audit()).some((entry) => entry.action === 'sync' && entry.outcome === 'ok' && /start/.test(entry.detail ?? '')))
    const document = await json<{ paths: Record<string, { post?: { security?: unknown[] } }> }>(await fetch(`${server.url}/openapi.json`))
    assert.deepEqual(document.paths['/api/v1/hooks/git']?.post?.security, [])
  })

  it('serves a pushed version within seconds of a signed webhook', async () => {
    repo.write('models/iris/2/model.onnx', constantClassifier(1))
    repo.push('iris version 2')
    const response = await githubHook(firstDelivery)
    assert.equal(response.status, 202)
    await eventually(async () => ((await versions()).some((version) => version.version === '2' && version.status === 'ready') ? true : undefined), 'version 2 to serve', 10_000)
    const answer = await json<{ version: string; predictions: string[] }>(await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, user))
    assert.deepEqual([answer.version, answer.predictions[0]], ['2', 'versicolor'])
  })

  it('refuses a bad or missing signature with 401 and triggers nothing', async () => {
    repo.write('models/iris/3/model.onnx', constantClassifier(2))
    repo.push('iris version 3')
    const syncs = syncCount()
    const body = '{"ref":"refs/heads/main"}'
    const refused = [
      await hook(body, { 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': hubSignature256('not-the-secret', body) }),
      await hook(body, { 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': hubSignature256(SECRET, `${body} `) }),
      await hook(body, { 'X-GitHub-Delivery': randomUUID() }),
      await hook(body, { 'X-Gitlab-Event-UUID': randomUUID(), 'X-Gitlab-Token': 'not-the-secret' }),
    ]
    for (const response of refused) {
      assert.equal(response.status, 401)
      assert.equal((await json<{ error: { code: string } }>(response)).error.code, 'invalid_token')
    }
    await sleep(1000)
    assert.equal(syncCount(), syncs)
    assert.equal(
      (await versions()).some((version) => version.version === '3'),
      false,
    )
  })

  it('does nothing for a replayed delivery id', async () => {
    const syncs = syncCount()
    const replay = await githubHook(firstDelivery)
    assert.equal(replay.status, 200)
    assert.equal((await json<{ status: string }>(replay)).status, 'duplicate')
    await sleep(500)
    assert.equal(syncCount(), syncs)
    assert.equal(
      (await versions()).some((version) => version.version === '3'),
      false,
    )
  })

  it("takes GitLab's X-Gitlab-Token too", async () => {
    const response = await hook('{"object_kind":"push"}', { 'X-Gitlab-Event-UUID': randomUUID(), 'X-Gitlab-Token': SECRET })
    assert.equal(response.status, 202)
    await eventually(async () => ((await versions()).some((version) => version.version === '3' && version.status === 'ready') ? true : undefined), 'version 3 to serve', 10_000)
  })

  it('keeps the old version serving when a push brings a broken model, and shows the failure to admins', async () => {
    repo.write('models/iris/4/model.onnx', fixture('corrupt.onnx'))
    repo.write('models/iris/3/model.onnx', fixture('corrupt.onnx'))
    // A link out of the repository is never followed, even to a file the gateway could read.
    mkdirSync(join(repo.work, 'models', 'iris', '5'))
    symlinkSync(join(repo.work, 'models', 'iris', '2', 'model.onnx'), join(repo.work, 'models', 'iris', '5', 'model.onnx'))
    repo.push('broken versions 3 and 4, and a link as version 5')
    assert.equal((await githubHook(randomUUID())).status, 202)
    const failed = await eventually(async () => (await audit()).find((entry) => entry.action === 'sync' && entry.outcome === 'failed'), 'the failed sync in the audit', 10_000)
    assert.match(failed.detail ?? '', /3 refused/)
    const refusals = (await audit()).filter((entry) => entry.action === 'publish' && entry.actor === 'git-source' && entry.outcome === 'refused')
    assert.deepEqual(refusals.map((entry) => entry.version).sort(), ['3', '4', '5'])
    assert.ok(refusals.filter((entry) => entry.version !== '5').every((entry) => /does not load/.test(entry.reason ?? '')))
    assert.match(refusals.find((entry) => entry.version === '5')?.reason ?? '', /symbolic link/)
    assert.deepEqual(
      (await versions()).map((version) => [version.version, version.status]),
      [
        ['1', 'ready'],
        ['2', 'ready'],
        ['3', 'ready'],
      ],
    )
    const answer = await json<{ version: string; predictions: string[] }>(await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, user))
    assert.deepEqual([answer.version, answer.predictions[0]], ['3', 'virginica'])
  })

  // Eight calls came before this test; the ninth to twelfth pass, and one after them is refused.
  it('limits webhook calls per address before reading or verifying them', async () => {
    const statuses: number[] = []
    for (let call = 0; call < 8 && !statuses.includes(429); call += 1) statuses.push((await hook('{}', { 'X-GitHub-Delivery': randomUUID() })).status)
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(', ')}`)
    assert.ok(statuses.slice(0, -1).every((status) => status === 401))
  })
})

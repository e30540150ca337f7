import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { constantClassifier, eventually, fixture } from '../models/repo-fixtures.js'
import { digestHeader, json, listing, putVersion, SETOSA, sha256 } from './support.js'

interface VersionView {
  version: string
  status: string
  reason?: string
  digest?: string
}
interface ModelView {
  name: string
  description?: string
  versions: VersionView[]
}
interface AuditView {
  entries: { actor: string; action: string; model?: string; version?: string; digest?: string; outcome: string; reason?: string; at: string }[]
}

describe('model publishing through the admin API', () => {
  let server: TestServer
  let repo: { dir: string; cleanup: () => void }
  let admin: string
  let user: string
  let logreg: Buffer

  before(async () => {
    repo = await tempRepository()
    logreg = readFileSync(join(repo.dir, 'iris-logreg', '1', 'model.onnx'))
    server = await startServer({ modelsDir: repo.dir, config: { models: { maxUploadBytes: 65_536 }, rateLimit: { enabled: false } } })
    admin = server.token(['admin'], 'release-bot')
    user = server.token(['user'], 'analyst')
  })
  after(async () => {
    await server.close()
    repo.cleanup()
  })

  const versionsOf = async (model: string): Promise<VersionView[]> => (await json<ModelView>(await getJson(`${server.url}/api/v1/models/${model}`, admin))).versions

  it('publishes a version while a client loop predicts: no request fails, and the new version serves', async () => {
    const outcomes: { status: number; version?: string }[] = []
    let stop = false
    const loop = (async () => {
      while (!stop) {
        const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, user)
        const body = await json<{ version?: string }>(response)
        outcomes.push({ status: response.status, version: body.version })
      }
    })()
    await eventually(() => (outcomes.length >= 5 ? true : undefined), 'the loop to run')
    const response = await putVersion(server.url, admin, 'iris', '2', logreg, digestHeader(logreg))
    const body = await json<VersionView & { model: string }>(response)
    assert.equal(response.status, 201, JSON.stringify(body))
    assert.equal(body.model, 'iris')
    assert.equal(body.version, '2')
    assert.equal(body.status, 'ready')
    assert.equal(body.digest, `sha256:${sha256(logreg)}`)
    await eventually(() => (outcomes.some((outcome) => outcome.version === '2') ? true : undefined), 'version 2 to answer')
    const seen = outcomes.length
    await eventually(() => (outcomes.length >= seen + 5 ? true : undefined), 'more answers after the swap')
    stop = true
    await loop
    assert.deepEqual(
      outcomes.filter((outcome) => outcome.status !== 200),
      [],
      'every prediction succeeded',
    )
    assert.equal(outcomes.at(-1)?.version, '2')
  })

  it('publishes the first version of a new model', async () => {
    const response = await putVersion(server.url, admin, 'churn', '1', constantClassifier(0))
    assert.equal(response.status, 201)
    assert.deepEqual(
      (await versionsOf('churn')).map((version) => [version.version, version.status]),
      [['1', 'ready']],
    )
    assert.ok(listing(repo.dir).includes('churn/1/model.onnx:' + String(constantClassifier(0).length)))
    assert.equal(
      listing(repo.dir).some((entry) => entry.split('/').some((part) => part.startsWith('.'))),
      false,
      'no work files are left behind',
    )
  })

  it('refuses a corrupt upload, a digest mismatch and an oversized upload, and writes nothing', async () => {
    const before = listing(repo.dir)
    const corrupt = await putVersion(server.url, admin, 'iris', '3', fixture('corrupt.onnx'))
    assert.equal(corrupt.status, 400)
    assert.match((await json<{ error: { message: string } }>(corrupt)).error.message, /does not load/)
    const mismatch = await putVersion(server.url, admin, 'iris', '3', logreg, digestHeader(fixture('simple.onnx')))
    assert.equal(mismatch.status, 400)
    assert.match((await json<{ error: { message: string } }>(mismatch)).error.message, /Content-Digest/)
    const oversized = await putVersion(server.url, admin, 'iris', '3', new Uint8Array(200_000))
    assert.equal(oversized.status, 413)
    const wrongType = await fetch(`${server.url}/api/v1/admin/models/iris/versions/3`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: '{}',
    })
    assert.equal(wrongType.status, 415)
    assert.deepEqual(listing(repo.dir), before)
    assert.equal(
      (await versionsOf('iris')).some((version) => version.version === '3'),
      false,
    )
  })

  it('answers 409 for an existing version, and replaces it with ?replace=true', async () => {
    const other = constantClassifier(2)
    const refused = await putVersion(server.url, admin, 'iris', '2', other)
    assert.equal(refused.status, 409)
    assert.equal(sha256(readFileSync(join(repo.dir, 'iris', '2', 'model.onnx'))), sha256(logreg))
    const replaced = await putVersion(server.url, admin, 'iris', '2', other, {}, '?replace=true')
    assert.equal(replaced.status, 201)
    assert.equal((await json<VersionView>(replaced)).digest, `sha256:${sha256(other)}`)
    const answer = await json<{ version: string; predictions: string[] }>(await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, user))
    assert.deepEqual([answer.version, answer.predictions[0]], ['2', 'virginica'])
  })

  it('refuses publish, delete, download and the audit list to a user token, writing nothing', async () => {
    const before = listing(repo.dir)
    assert.equal((await putVersion(server.url, user, 'iris', '5', logreg)).status, 403)
    assert.equal((await fetch(`${server.url}/api/v1/admin/models/iris/versions/1?force=true`, { method: 'DELETE', headers: { Authorization: `Bearer ${user}` } })).status, 403)
    assert.equal((await getJson(`${server.url}/api/v1/models/iris/versions/1/artifact`, user)).status, 403)
    assert.equal((await getJson(`${server.url}/api/v1/admin/audit`, user)).status, 403)
    assert.equal((await putVersion(server.url, '', 'iris', '5', logreg)).status, 401)
    assert.deepEqual(listing(repo.dir), before)
  })

  it('downloads the exact bytes with an ETag of their digest, and answers 304 to If-None-Match', async () => {
    const stored = readFileSync(join(repo.dir, 'iris', '1', 'model.onnx'))
    const response = await getJson(`${server.url}/api/v1/models/iris/versions/1/artifact`, admin)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'application/octet-stream')
    const etag = response.headers.get('etag')
    assert.equal(etag, `"sha256:${sha256(stored)}"`)
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), stored)
    const cached = await fetch(`${server.url}/api/v1/models/iris/versions/1/artifact`, { headers: { Authorization: `Bearer ${admin}`, 'If-None-Match': etag ?? '' } })
    assert.equal(cached.status, 304)
    assert.equal(cached.headers.get('etag'), etag)
    const stale = await fetch(`${server.url}/api/v1/models/iris/versions/1/artifact`, { headers: { Authorization: `Bearer ${admin}`, 'If-None-Match': '"sha256:00"' } })
    assert.equal(stale.status, 200)
    assert.deepEqual(Buffer.from(await stale.arrayBuffer()), stored)
    assert.equal((await getJson(`${server.url}/api/v1/models/iris/versions/9/artifact`, admin)).status, 404)
  })

  it('refuses to delete the default version unless forced, and deletes another version', async () => {
    const refused = await fetch(`${server.url}/api/v1/admin/models/iris/versions/2`, { method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } })
    assert.equal(refused.status, 409)
    assert.match((await json<{ error: { message: string } }>(refused)).error.message, /default version/)
    const deleted = await fetch(`${server.url}/api/v1/admin/models/iris/versions/1`, { method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } })
    assert.equal(deleted.status, 200)
    assert.deepEqual(
      (await versionsOf('iris')).map((version) => version.version),
      ['2'],
    )
    assert.equal(
      listing(repo.dir).some((entry) => entry.startsWith('iris/1')),
      false,
    )
    const forced = await fetch(`${server.url}/api/v1/admin/models/iris/versions/2?force=true`, { method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } })
    assert.equal(forced.status, 200)
  })

  it('replaces model.yaml after checking it, and refuses an invalid one', async () => {
    const text = readFileSync(join(repo.dir, 'iris-logreg', 'model.yaml'), 'utf8').replace(/^description: .*$/m, 'description: promoted by the release bot')
    const put = (body: string): Promise<Response> =>
      fetch(`${server.url}/api/v1/admin/models/iris-logreg/metadata`, { method: 'PUT', headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' }, body })
    const accepted = await put(text)
    assert.equal(accepted.status, 200)
    assert.equal((await json<ModelView>(accepted)).description, 'promoted by the release bot')
    const refused = await put('features: 3\n')
    assert.equal(refused.status, 400)
    assert.equal(readFileSync(join(repo.dir, 'iris-logreg', 'model.yaml'), 'utf8'), text)
  })

  it('lists every publish and delete in the audit with who, what, digest and outcome', async () => {
    const response = await getJson(`${server.url}/api/v1/admin/audit`, admin)
    assert.equal(response.status, 200)
    const { entries } = await json<AuditView>(response)
    const published = entries.find((entry) => entry.action === 'publish' && entry.version === '2' && entry.outcome === 'ok')
    assert.equal(published?.actor, 'release-bot')
    assert.equal(published.digest, `sha256:${sha256(logreg)}`)
    assert.ok(entries.some((entry) => entry.action === 'publish' && entry.outcome === 'refused' && /does not load/.test(entry.reason ?? '')))
    assert.ok(entries.some((entry) => entry.action === 'delete' && entry.version === '1' && entry.outcome === 'ok'))
    assert.ok(entries.some((entry) => entry.action === 'delete' && entry.version === '2' && entry.outcome === 'refused'))
    assert.ok(entries.every((entry) => !Number.isNaN(Date.parse(entry.at))))
  })
})

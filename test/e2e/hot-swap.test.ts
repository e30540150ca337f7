import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { parse, stringify } from 'yaml'
import { tempRepository } from '../helpers/demo-models.js'
import { spawnGateway, waitUntilReady, type GatewayProcess } from '../helpers/process.js'
import { postJson, TEST_SECRET } from '../helpers/server.js'
import { constantClassifier, copySlowly, eventually, fixture } from '../models/repo-fixtures.js'

interface VersionView {
  version: string
  status: string
  reason?: string
  digest?: string
  loaded_at?: string
  requests: number
}

const SETOSA = [5.1, 3.5, 1.4, 0.2]

function token(subject: string, roles: string[]): string {
  return jwt.sign({ roles }, TEST_SECRET, { algorithm: 'HS256', subject, expiresIn: 600, jwtid: randomUUID() })
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

describe('hot swap in a running gateway', () => {
  let gateway: GatewayProcess
  let repo: { dir: string; cleanup: () => void }
  const user = token('swap-user', ['user'])
  const admin = token('swap-admin', ['admin'])
  // The softmax regression answers differently from the forest: version 2 of "iris" in this test.
  let logreg: Buffer

  before(async () => {
    repo = await tempRepository()
    logreg = readFileSync(join(repo.dir, 'iris-logreg', '1', 'model.onnx'))
    const configPath = join(repo.dir, 'gateway.yaml')
    writeFileSync(configPath, stringify({ models: { pollIntervalMs: 100, stableMs: 500 }, rateLimit: { enabled: false } }))
    gateway = await spawnGateway({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: repo.dir, CONFIG_PATH: configPath, LOG_LEVEL: 'info' })
    await waitUntilReady(gateway.url)
  })
  after(async () => {
    assert.equal(await gateway.stop(), 0, 'the gateway survived every swap and exits cleanly')
    repo.cleanup()
  })

  const predict = async (): Promise<{ status: number; version?: string; probabilities?: number[][] }> => {
    const response = await fetch(`${gateway.url}/api/v1/models/iris/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user}`, 'Cache-Control': 'no-cache' },
      body: JSON.stringify({ inputs: [SETOSA] }),
    })
    const body = (await response.json()) as { version?: string; probabilities?: number[][] }
    return { status: response.status, version: body.version, probabilities: body.probabilities }
  }

  const versionTwo = async (): Promise<VersionView | undefined> => {
    const response = await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${user}` } })
    const body = (await response.json()) as { models: { name: string; versions: VersionView[] }[] }
    return body.models.find((model) => model.name === 'iris')?.versions.find((version) => version.version === '2')
  }

  it('serves a new version copied in slowly, with only 200s for a client looping throughout', async (t) => {
    const statuses: number[] = []
    const versions = new Set<string>()
    let copying = true
    const loop = (async () => {
      while (copying || !versions.has('2')) {
        const answer = await predict()
        statuses.push(answer.status)
        if (answer.version !== undefined) versions.add(answer.version)
        if (statuses.length > 20_000) break
      }
    })()
    // 12 chunks 60 ms apart: the file keeps changing for ~0.7 s, longer than one poll, shorter than stableMs per step.
    await copySlowly(logreg, join(repo.dir, 'iris', '2', 'model.onnx'), 12, 60)
    copying = false
    await loop
    assert.ok(statuses.length > 10, `the loop ran throughout the copy (${statuses.length} requests)`)
    assert.deepEqual([...new Set(statuses)], [200], 'no request failed during the copy')
    assert.deepEqual([...versions].sort(), ['1', '2'])
    assert.doesNotMatch(gateway.stdout(), /failed to load/, 'the half-copied file was never tried')
    t.diagnostic(`${statuses.length} requests during and just after the copy, all 200`)
    const view = await versionTwo()
    assert.equal(view?.status, 'ready')
    assert.equal(view?.digest, `sha256:${sha256(logreg)}`)
    assert.ok(view?.loaded_at !== undefined && !Number.isNaN(Date.parse(view.loaded_at)))
    assert.ok((view?.requests ?? 0) > 0)
  })

  it('keeps the old file serving when a corrupt one replaces it, and shows the failure', async () => {
    const before = await predict()
    writeFileSync(join(repo.dir, 'iris', '2', 'model.onnx'), fixture('corrupt.onnx'))
    const failed = await eventually(async () => {
      const view = await versionTwo()
      return view?.reason === undefined ? undefined : view
    }, 'the corrupt file to be tried')
    assert.equal(failed.reason, 'invalid_onnx')
    assert.equal(failed.status, 'ready')
    assert.equal(failed.digest, `sha256:${sha256(logreg)}`)
    const after = await predict()
    assert.equal(after.status, 200)
    assert.equal(after.version, '2')
    assert.deepEqual(after.probabilities, before.probabilities)
  })

  it('refuses a file whose sha256 does not match model.yaml, keeps the pinned one serving, and recovers', async () => {
    const yamlPath = join(repo.dir, 'iris', 'model.yaml')
    const metadata = parse(readFileSync(yamlPath, 'utf8')) as Record<string, unknown>
    // The pin first: it matches the serving file, so whenever the watcher sees it alone nothing changes.
    writeFileSync(yamlPath, stringify({ ...metadata, sha256: { 2: sha256(logreg) } }))
    writeFileSync(join(repo.dir, 'iris', '2', 'model.onnx'), constantClassifier(2))
    const refused = await eventually(async () => {
      const view = await versionTwo()
      return view?.reason === 'digest_mismatch' ? view : undefined
    }, 'the sha256 mismatch to be reported')
    assert.equal(refused.digest, `sha256:${sha256(logreg)}`)
    // The refused file answers virginica for every row; the pinned one still answers setosa.
    const answer = await fetch(`${gateway.url}/api/v1/models/iris/versions/2/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user}` },
      body: JSON.stringify({ inputs: [SETOSA] }),
    })
    assert.equal(answer.status, 200)
    assert.deepEqual(((await answer.json()) as { predictions: string[] }).predictions, ['setosa'])
    writeFileSync(join(repo.dir, 'iris', '2', 'model.onnx'), logreg)
    await eventually(async () => ((await versionTwo())?.reason === undefined ? true : undefined), 'the pinned file to load again')
    const reload = await postJson(`${gateway.url}/api/v1/admin/models/iris/reload`, {}, admin)
    assert.equal(reload.status, 200)
    assert.match(gateway.stdout(), /"message":"model reloaded"[^\n]*"subject":"swap-admin"|"subject":"swap-admin"[^\n]*"message":"model reloaded"/)
  })

  it('replaces a serving file in place, slowly, with only 200s for a client looping on that version', async () => {
    const statuses: number[] = []
    const labels = new Set<string>()
    let copying = true
    const loop = (async () => {
      while (copying || !labels.has('virginica')) {
        const response = await fetch(`${gateway.url}/api/v1/models/iris/versions/1/predict`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user}`, 'Cache-Control': 'no-cache' },
          body: JSON.stringify({ inputs: [SETOSA] }),
        })
        statuses.push(response.status)
        if (response.status === 200) labels.add(((await response.json()) as { predictions: string[] }).predictions[0] ?? '')
        if (statuses.length > 20_000) break
      }
    })()
    // Opening with 'w' truncates the serving file first: the watcher sees it shrink, then grow.
    await copySlowly(constantClassifier(2), join(repo.dir, 'iris', '1', 'model.onnx'), 8, 60)
    copying = false
    await loop
    assert.deepEqual([...new Set(statuses)], [200])
    assert.deepEqual([...labels].sort(), ['setosa', 'virginica'])
  })

  it('stops serving a removed version', async () => {
    rmSync(join(repo.dir, 'iris', '2'), { recursive: true })
    await eventually(async () => ((await versionTwo()) === undefined ? true : undefined), 'version 2 to be removed')
    const answer = await predict()
    assert.equal(answer.status, 200)
    assert.equal(answer.version, '1')
    const named = await fetch(`${gateway.url}/api/v1/models/iris/versions/2/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user}` },
      body: JSON.stringify({ inputs: [SETOSA] }),
    })
    assert.equal(named.status, 404)
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200)
  })
})

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { stringify } from 'yaml'
import { demoModelsDir } from '../helpers/demo-models.js'
import { postJson, TEST_SECRET } from '../helpers/server.js'
import { spawnGateway, type Gateway } from './support/gateway.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

function token(roles: string[]): string {
  return jwt.sign({ roles }, TEST_SECRET, { algorithm: 'HS256', subject: 'caller', expiresIn: 600, jwtid: randomUUID() })
}

// A Kubernetes ConfigMap mounts each key as a symlink into a `..data` folder and swaps that folder
// on update. A scan that took only regular files for model.yaml ignored such a file, and the model
// then served everyone with default metadata: no roles, no ranges.
describe('attack: a model.yaml that is a symlink (ConfigMap style)', () => {
  let dir: string
  let gateway: Gateway
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-symlink-'))
    const onnx = join(await demoModelsDir(), 'iris', '1', 'model.onnx')
    for (const name of ['guarded', 'dangling']) {
      mkdirSync(join(dir, name, '1'), { recursive: true })
      copyFileSync(onnx, join(dir, name, '1', 'model.onnx'))
    }
    mkdirSync(join(dir, 'guarded', '..2026_12_02'))
    writeFileSync(join(dir, 'guarded', '..2026_12_02', 'model.yaml'), stringify({ roles: ['admin'], labels: ['setosa', 'versicolor', 'virginica'] }))
    symlinkSync('..2026_12_02', join(dir, 'guarded', '..data'))
    symlinkSync(join('..data', 'model.yaml'), join(dir, 'guarded', 'model.yaml'))
    // A link whose target is gone: the metadata existed but cannot be read.
    symlinkSync(join('..data', 'model.yaml'), join(dir, 'dangling', 'model.yaml'))
    gateway = await spawnGateway({ modelsDir: dir })
  })
  after(async () => {
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('follows the link: the roles it names hold, so a user is refused and an admin served', async () => {
    const refused = await postJson(`${gateway.url}/api/v1/models/guarded/predict`, ROW, token(['user']))
    assert.equal(refused.status, 403)
    const served = await postJson(`${gateway.url}/api/v1/models/guarded/predict`, ROW, token(['admin']))
    assert.equal(served.status, 200)
    assert.deepEqual(((await served.json()) as { predictions: string[] }).predictions, ['setosa'])
  })

  it('fails closed when the linked metadata cannot be read: the model never serves with defaults', async () => {
    const response = await postJson(`${gateway.url}/api/v1/models/dangling/predict`, ROW, token(['admin']))
    assert.equal(response.status, 503)
    const readiness = (await (await fetch(`${gateway.url}/readyz`)).json()) as { models: { name: string; versions: { status: string; reason?: string }[] }[] }
    const dangling = readiness.models.find((model) => model.name === 'dangling')
    assert.deepEqual(dangling?.versions, [{ version: '1', status: 'failed', reason: 'invalid_metadata' }])
  })
})

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { TEST_SECRET } from '../helpers/server.js'
import { fixture } from '../models/repo-fixtures.js'
import { spawnGateway, type Gateway } from './support/gateway.js'

// What an unauthenticated prober must not learn from /readyz, and a user from the model list: the
// runtime's own error text, model.yaml fragments, and the digests of files that failed to load.
const INTERNALS = /onnx|protobuf|yaml|sha256|[0-9a-f]{16}|expected|\//i

function token(roles: string[]): string {
  return jwt.sign({ roles }, TEST_SECRET, { algorithm: 'HS256', subject: 'caller', expiresIn: 600, jwtid: randomUUID() })
}

interface VersionView {
  version: string
  status: string
  reason?: string
  detail?: string
}

describe('attack: reading load failures from public answers', () => {
  let dir: string
  let gateway: Gateway
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-reasons-'))
    writeFileSync(join(dir, 'good.onnx'), fixture('tiny-classifier.onnx'))
    writeFileSync(join(dir, 'corrupt.onnx'), fixture('corrupt.onnx'))
    mkdirSync(join(dir, 'pinned', '1'), { recursive: true })
    writeFileSync(join(dir, 'pinned', '1', 'model.onnx'), fixture('tiny-classifier.onnx'))
    writeFileSync(join(dir, 'pinned', 'model.yaml'), `sha256:\n  1: "${'ab'.repeat(32)}"\n`)
    mkdirSync(join(dir, 'brokenmeta', '1'), { recursive: true })
    writeFileSync(join(dir, 'brokenmeta', '1', 'model.onnx'), fixture('tiny-classifier.onnx'))
    writeFileSync(join(dir, 'brokenmeta', 'model.yaml'), 'roles: [admin\nsecret_path: /etc/portcullis/key.pem\n')
    gateway = await spawnGateway({ modelsDir: dir })
  })
  after(async () => {
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const expected: Record<string, string> = { corrupt: 'invalid_onnx', pinned: 'digest_mismatch', brokenmeta: 'invalid_metadata' }

  it('/readyz names each failed model with a short reason code only', async () => {
    const response = await fetch(`${gateway.url}/readyz`)
    assert.equal(response.status, 200)
    const text = await response.text()
    const body = JSON.parse(text) as { models: { name: string; versions: VersionView[] }[] }
    for (const [name, code] of Object.entries(expected)) {
      assert.deepEqual(body.models.find((model) => model.name === name)?.versions, [{ version: '1', status: 'failed', reason: code }])
    }
    assert.doesNotMatch(text.replace(/"(invalid_onnx|digest_mismatch|invalid_metadata)"/g, ''), INTERNALS)
  })

  it('the model list gives a user the codes and an admin the messages behind them', async () => {
    const read = async (roles: string[]): Promise<{ text: string; versions: Map<string, VersionView | undefined> }> => {
      const response = await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${token(roles)}` } })
      assert.equal(response.status, 200)
      const text = await response.text()
      const body = JSON.parse(text) as { models: { name: string; versions: VersionView[] }[] }
      return { text, versions: new Map(body.models.map((model) => [model.name, model.versions[0]])) }
    }
    const user = await read(['user'])
    for (const [name, code] of Object.entries(expected)) {
      assert.equal(user.versions.get(name)?.reason, code)
      assert.equal(user.versions.get(name)?.detail, undefined)
    }
    assert.doesNotMatch(user.text.replace(/"(invalid_onnx|digest_mismatch|invalid_metadata)"/g, ''), /onnx|protobuf|yaml|expected/i)
    const admin = await read(['admin'])
    assert.match(admin.versions.get('corrupt')?.detail ?? '', /not a loadable ONNX model/)
    assert.match(admin.versions.get('pinned')?.detail ?? '', /sha256 mismatch/)
    assert.match(admin.versions.get('brokenmeta')?.detail ?? '', /Flow sequence/)
  })
})

import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ApiError } from '../../src/errors/api-error.js'
import { ModelRegistry } from '../../src/models/registry.js'
import { createLogger } from '../../src/observability/logger.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { postJson, startServer } from '../helpers/server.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures')

function repositoryWithCorruptModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-registry-'))
  copyFileSync(join(FIXTURES, 'tiny-classifier.onnx'), join(dir, 'good.onnx'))
  mkdirSync(join(dir, 'broken', '1'), { recursive: true })
  copyFileSync(join(FIXTURES, 'corrupt.onnx'), join(dir, 'broken', '1', 'model.onnx'))
  return dir
}

describe('ModelRegistry.loadAll()', () => {
  const dir = repositoryWithCorruptModel()
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('serves a good model beside a corrupt one and reports the corrupt one with its reason', async () => {
    const registry = new ModelRegistry({ dir, logger: createLogger({ level: 'error', silent: true }), metrics: createMetrics({ defaults: false }) })
    await registry.loadAll()
    assert.equal(registry.isReady(), true)
    assert.equal(registry.resolve('good').version, '1')
    const broken = registry.get('broken')?.versions.get('1')
    assert.equal(broken?.status, 'failed')
    assert.match(broken?.reason ?? '', /not a loadable ONNX model/)
    assert.throws(() => registry.resolve('broken'), (err: unknown) => err instanceof ApiError && err.status === 503)
  })
})

describe('a gateway with a corrupt model', () => {
  const dir = repositoryWithCorruptModel()
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('is ready, predicts with the good model, and lists the bad one as failed', async () => {
    const server = await startServer({ modelsDir: dir })
    try {
      const ready = await fetch(`${server.url}/readyz`)
      assert.equal(ready.status, 200)
      const readiness = (await ready.json()) as { models: { name: string; versions: { status: string; reason?: string }[] }[] }
      const broken = readiness.models.find((model) => model.name === 'broken')
      assert.equal(broken?.versions[0]?.status, 'failed')
      assert.equal(broken?.versions[0]?.reason, 'invalid_onnx')
      const token = server.token(['user'])
      const response = await postJson(`${server.url}/api/v1/models/good/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, token)
      assert.equal(response.status, 200)
      const failing = await postJson(`${server.url}/api/v1/models/broken/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, token)
      assert.equal(failing.status, 503)
      assert.ok(failing.headers.get('retry-after'))
    } finally {
      await server.close()
    }
  })
})

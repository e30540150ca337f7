import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, describe, it } from 'node:test'
import ort from 'onnxruntime-node'
import { ApiError } from '../../src/errors/api-error.js'
import type { LoadedVersion } from '../../src/models/loaded-version.js'
import { ModelRegistry } from '../../src/models/registry.js'
import { scanRepository } from '../../src/models/repository.js'
import { createLogger } from '../../src/observability/logger.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { constantClassifier, fixture, tempRepo } from './repo-fixtures.js'

const SETOSA_ROW = [5.1, 3.5, 1.4, 0.2]

function newRegistry(dir: string): ModelRegistry {
  return new ModelRegistry({ dir, logger: createLogger({ level: 'error', silent: true }), metrics: createMetrics({ defaults: false }) })
}

async function syncFromDisk(registry: ModelRegistry, dir: string, name: string): Promise<void> {
  const source = (await scanRepository(dir)).find((candidate) => candidate.name === name)
  await registry.sync(name, source)
}

async function labelOf(version: LoadedVersion): Promise<number> {
  const input = new ort.Tensor('float32', Float32Array.from(SETOSA_ROW), [1, 4])
  const results = await version.session.run({ input })
  return Number((results.label as ort.Tensor).data[0])
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

describe('ModelRegistry.sync()', () => {
  const repo = tempRepo()
  after(() => repo.cleanup())

  it('swaps to a changed file, while a request holding the old version still runs on it', async () => {
    repo.writeVersion('swap', 1, constantClassifier(0))
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    const before = registry.resolve('swap')
    repo.writeVersion('swap', 1, constantClassifier(2))
    await syncFromDisk(registry, repo.dir, 'swap')
    const now = registry.resolve('swap')
    assert.notEqual(now.digest, before.digest)
    assert.equal(await labelOf(now), 2)
    assert.equal(await labelOf(before), 0, 'the old session is still open for requests in flight')
    await registry.close()
  })

  it('keeps the same session when neither the file nor its interface changed', async () => {
    repo.writeVersion('same', 1, constantClassifier(1))
    repo.writeYaml('same', { description: 'first' })
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    const before = registry.resolve('same')
    repo.writeYaml('same', { description: 'second', aliases: { production: 1 } })
    await syncFromDisk(registry, repo.dir, 'same')
    assert.equal(registry.resolve('same'), before)
    assert.equal(registry.get('same')?.metadata.description, 'second')
    assert.equal(registry.resolve('same', 'production'), before)
    await registry.close()
  })

  it('keeps the old version serving when the replacement is corrupt, and reports why', async () => {
    repo.writeVersion('corrupt', 1, constantClassifier(0))
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    const before = registry.resolve('corrupt')
    repo.writeVersion('corrupt', 1, fixture('corrupt.onnx'))
    await syncFromDisk(registry, repo.dir, 'corrupt')
    assert.equal(registry.resolve('corrupt'), before)
    const state = registry.get('corrupt')?.versions.get('1')
    assert.equal(state?.status, 'ready')
    assert.match(state?.reason ?? '', /not a loadable ONNX model/)
    repo.writeVersion('corrupt', 1, constantClassifier(2))
    await syncFromDisk(registry, repo.dir, 'corrupt')
    assert.equal(await labelOf(registry.resolve('corrupt')), 2)
    assert.equal(registry.get('corrupt')?.versions.get('1')?.reason, undefined, 'a good load clears the reason')
    await registry.close()
  })

  it('refuses a file whose sha256 does not match model.yaml and keeps the old one serving', async () => {
    const good = constantClassifier(0)
    repo.writeVersion('pinned', 1, good)
    repo.writeYaml('pinned', { sha256: { 1: sha256(good) } })
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    const before = registry.resolve('pinned')
    repo.writeVersion('pinned', 1, constantClassifier(2))
    await syncFromDisk(registry, repo.dir, 'pinned')
    assert.equal(registry.resolve('pinned'), before)
    assert.match(registry.get('pinned')?.versions.get('1')?.reason ?? '', /sha256 mismatch for version 1/)
    await registry.close()
  })

  it('refuses a new digest in model.yaml that the serving file does not match', async () => {
    repo.writeVersion('repinned', 1, constantClassifier(0))
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    const before = registry.resolve('repinned')
    repo.writeYaml('repinned', { sha256: { 1: 'a'.repeat(64) } })
    await syncFromDisk(registry, repo.dir, 'repinned')
    assert.equal(registry.resolve('repinned'), before)
    assert.match(registry.get('repinned')?.versions.get('1')?.reason ?? '', /sha256 mismatch/)
    await registry.close()
  })

  it('keeps the last good model.yaml when a new one is invalid', async () => {
    repo.writeVersion('yaml', 1, constantClassifier(0))
    repo.writeYaml('yaml', { roles: ['user'] })
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    repo.writeYaml('yaml', { roles: 'everyone' })
    await syncFromDisk(registry, repo.dir, 'yaml')
    const model = registry.get('yaml')
    assert.deepEqual(model?.metadata.roles, ['user'])
    assert.match(model?.reason ?? '', /model\.yaml roles/)
    assert.equal(registry.resolve('yaml').version, '1')
    await registry.close()
  })

  it('stops serving a removed version, and forgets a removed model', async () => {
    repo.writeVersion('shrink', 1, constantClassifier(0))
    repo.writeVersion('shrink', 2, constantClassifier(1))
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    assert.equal(registry.resolve('shrink').version, '2')
    repo.remove('shrink/2')
    await syncFromDisk(registry, repo.dir, 'shrink')
    assert.equal(registry.resolve('shrink').version, '1')
    assert.throws(() => registry.resolve('shrink', '2'), (err: unknown) => err instanceof ApiError && err.status === 404)
    repo.remove('shrink')
    await syncFromDisk(registry, repo.dir, 'shrink')
    assert.equal(registry.get('shrink'), undefined)
    assert.throws(() => registry.resolve('shrink'), (err: unknown) => err instanceof ApiError && err.status === 404)
    await registry.close()
  })

  it('loads a new model and a new version without touching the serving ones', async () => {
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    repo.writeVersion('fresh', 1, constantClassifier(0))
    await syncFromDisk(registry, repo.dir, 'fresh')
    const first = registry.resolve('fresh')
    repo.writeVersion('fresh', 2, constantClassifier(1))
    await syncFromDisk(registry, repo.dir, 'fresh')
    assert.equal(registry.resolve('fresh').version, '2')
    assert.equal(registry.resolve('fresh', '1'), first)
    await registry.close()
  })
})

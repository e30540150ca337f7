import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiError } from '../../src/errors/api-error.js'
import { ModelRegistry } from '../../src/models/registry.js'
import { scanRepository } from '../../src/models/repository.js'
import { createLogger } from '../../src/observability/logger.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { constantClassifier, fixture, tempRepo } from './repo-fixtures.js'

function newRegistry(dir: string): ModelRegistry {
  return new ModelRegistry({ dir, logger: createLogger({ level: 'error', silent: true }), metrics: createMetrics({ defaults: false }) })
}

function status(err: unknown): number | undefined {
  return err instanceof ApiError ? err.status : undefined
}

describe('ModelRegistry version policy', () => {
  const repo = tempRepo()
  after(() => repo.cleanup())

  it('serves only the newest version under latest, and retires the older one once the newer is ready', async () => {
    repo.writeVersion('newest', 1, constantClassifier(0))
    repo.writeVersion('newest', 2, fixture('corrupt.onnx'))
    repo.writeYaml('newest', { versionPolicy: 'latest' })
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    // A broken newest version does not push out the one that works.
    assert.equal(registry.resolve('newest').version, '1')
    assert.equal(registry.get('newest')?.versions.get('2')?.status, 'failed')
    repo.writeVersion('newest', 2, constantClassifier(1))
    await registry.sync('newest', (await scanRepository(repo.dir)).find((source) => source.name === 'newest'))
    assert.equal(registry.resolve('newest').version, '2')
    const old = registry.get('newest')?.versions.get('1')
    assert.equal(old?.status, 'inactive')
    assert.equal(old?.loaded, undefined)
    assert.throws(() => registry.resolve('newest', '1'), (err: unknown) => status(err) === 404 && /not served/.test((err as Error).message))
    await registry.close()
  })

  it('serves the newest N under {latest: N}', async () => {
    for (const version of [1, 2, 3]) repo.writeVersion('recent', version, constantClassifier(0))
    repo.writeYaml('recent', { versionPolicy: { latest: 2 } })
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    const statuses = [...(registry.get('recent')?.versions.values() ?? [])].map((version) => [version.version, version.status])
    assert.deepEqual(statuses, [['1', 'inactive'], ['2', 'ready'], ['3', 'ready']])
    await registry.close()
  })

  it('serves only the listed versions under {specific: [...]}', async () => {
    for (const version of [1, 2, 3]) repo.writeVersion('picked', version, constantClassifier(0))
    repo.writeYaml('picked', { versionPolicy: { specific: [1, 3] } })
    const registry = newRegistry(repo.dir)
    await registry.loadAll()
    assert.equal(registry.resolve('picked').version, '3')
    assert.equal(registry.resolve('picked', '1').version, '1')
    assert.throws(() => registry.resolve('picked', '2'), (err: unknown) => status(err) === 404)
    assert.match(registry.get('picked')?.versions.get('2')?.reason ?? '', /excluded by versionPolicy specific \[1, 3\]/)
    await registry.close()
  })
})

describe('ModelRegistry.route()', () => {
  const repo = tempRepo()
  let registry: ModelRegistry
  before(async () => {
    for (const version of [1, 2, 3]) repo.writeVersion('routed', version, constantClassifier(version - 1))
    repo.writeYaml('routed', {
      defaultVersion: 'production',
      aliases: { production: 1, staging: 2 },
      canary: { version: 'staging', weight: 30 },
      shadow: { version: 3 },
    })
    registry = newRegistry(repo.dir)
    await registry.loadAll()
  })
  after(async () => {
    await registry.close()
    repo.cleanup()
  })

  it('resolves aliases in the version segment and as the default version', () => {
    assert.equal(registry.resolve('routed').version, '1')
    assert.equal(registry.resolve('routed', 'production').version, '1')
    assert.equal(registry.resolve('routed', 'staging').version, '2')
    assert.equal(registry.resolve('routed', '3').version, '3')
    assert.throws(() => registry.resolve('routed', 'qa'), (err: unknown) => status(err) === 404)
  })

  it('sends the canary weight of 1,000 distinct subjects to the canary, within 5 points', () => {
    let canary = 0
    for (let i = 0; i < 1000; i += 1) if (registry.route('routed', undefined, `subject-${i}`).primary.version === '2') canary += 1
    assert.ok(Math.abs(canary / 10 - 30) <= 5, `canary share ${canary / 10}%`)
  })

  it('keeps each subject on the same version (sticky)', () => {
    for (let i = 0; i < 50; i += 1) {
      const first = registry.route('routed', undefined, `sticky-${i}`).primary.version
      for (let again = 0; again < 5; again += 1) assert.equal(registry.route('routed', undefined, `sticky-${i}`).primary.version, first)
    }
  })

  it('honours a named version over the canary', () => {
    for (let i = 0; i < 50; i += 1) assert.equal(registry.route('routed', '1', `named-${i}`).primary.version, '1')
  })

  it('adds the shadow version to the route, never as the primary', () => {
    const route = registry.route('routed', '1', 'someone')
    assert.equal(route.primary.version, '1')
    assert.equal(route.shadow?.version, '3')
    assert.equal(registry.route('routed', '3', 'someone').shadow, undefined, 'a request to the shadow version has no copy')
  })

  it('counts requests per version', () => {
    const before = registry.get('routed')?.versions.get('3')?.stats.requests ?? 0
    registry.route('routed', '3', 'counter')
    registry.route('routed', '3', 'counter')
    assert.equal(registry.get('routed')?.versions.get('3')?.stats.requests, before + 2)
  })

  it('keeps the default on the newest stable version when the newest is a canary or shadow', async () => {
    const other = tempRepo()
    try {
      for (const version of [1, 2, 3]) other.writeVersion('trial', version, constantClassifier(0))
      other.writeYaml('trial', { canary: { version: 3, weight: 10 }, shadow: { version: 2 } })
      const trial = newRegistry(other.dir)
      await trial.loadAll()
      assert.equal(trial.resolve('trial').version, '1')
      await trial.close()
    } finally {
      other.cleanup()
    }
  })

  it('answers 409 after deactivate and serves again after activate', () => {
    registry.deactivate('routed')
    assert.throws(() => registry.route('routed', undefined, 'someone'), (err: unknown) => status(err) === 409)
    assert.throws(() => registry.route('routed', '2', 'someone'), (err: unknown) => status(err) === 409)
    assert.equal(registry.resolve('routed', '2', { allowDeactivated: true }).version, '2')
    registry.activate('routed')
    assert.equal(registry.route('routed', '2', 'someone').primary.version, '2')
  })
})

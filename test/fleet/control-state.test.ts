import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkFleetRules } from '../../src/config/fleet-rules.js'
import { ConfigError } from '../../src/config/config-error.js'
import { loadConfig } from '../../src/config/load.js'
import { applyFieldWrite, fieldWriteOf, snapshotOf } from '../../src/control/control-state.js'
import { withControl } from '../../src/models/controlled-metadata.js'
import { modelMetadataSchema } from '../../src/models/metadata.js'
import { labelPerProcess } from '../../src/observability/cluster-metrics.js'
import { createMetrics } from '../../src/observability/metrics.js'

const STRONG_SECRET = 'k3Jq9vL2xP8mW4nR7tY1zB6cF0hD5gS-aE_uI'

describe('control state fields', () => {
  it('reads back every kind of change, the last write of a field winning', () => {
    const fields = new Map<string, string>()
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'active', value: false }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'alias', alias: 'production', version: '2' }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'alias', alias: 'staging', version: null }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'canary', value: { version: '3', weight: 10 } }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'wine', kind: 'shadow', value: null }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'reload' }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'reload' }))
    applyFieldWrite(fields, fieldWriteOf({ model: 'iris', kind: 'active', value: true }))
    const snapshot = snapshotOf(fields)
    assert.deepEqual(snapshot.get('iris'), { active: true, aliases: { production: '2', staging: null }, canary: { version: '3', weight: 10 }, reloads: 2 })
    assert.deepEqual(snapshot.get('wine'), { aliases: {}, reloads: 0, shadow: null })
  })

  it('skips fields it cannot read instead of failing the others', () => {
    const fields = new Map([
      ['not json', '1'],
      [JSON.stringify(['iris', 'active']), 'yes'],
      [JSON.stringify(['iris', 'canary']), '{"version":"2","weight":900}'],
      [JSON.stringify(['iris', 'alias', 'prod']), '"1"'],
    ])
    assert.deepEqual(snapshotOf(fields).get('iris'), { aliases: { prod: '1' }, reloads: 0 })
  })
})

describe('withControl', () => {
  const file = modelMetadataSchema.parse({ aliases: { production: 1, staging: 2 }, canary: { version: 2, weight: 20 }, shadow: { version: 'staging' } })

  it('lays aliases and splits over model.yaml, null removing them', () => {
    const metadata = withControl(file, { aliases: { production: '3', staging: null, next: '4' }, canary: null, shadow: { version: '4', weight: 5 }, reloads: 0 })
    assert.deepEqual(metadata.aliases, { production: '3', next: '4' })
    assert.equal(metadata.canary, undefined)
    assert.deepEqual(metadata.shadow, { version: '4', weight: 5 })
    assert.equal(metadata.versionPolicy, 'all')
  })

  it('keeps model.yaml as it is without changes', () => {
    assert.equal(withControl(file, undefined), file)
    assert.equal(withControl(file, { aliases: {}, reloads: 3, active: false }), file)
  })
})

describe('checkFleetRules', () => {
  const config = (env: string, extra: Record<string, string> = {}) => loadConfig({ APP_ENV: env, JWT_SECRET: STRONG_SECRET, ...extra })

  it('refuses staging and production with more than one worker and no shared store, naming the key', () => {
    for (const env of ['staging', 'production']) {
      assert.throws(
        () => checkFleetRules(config(env), 2),
        (err: unknown) => err instanceof ConfigError && /rateLimit\.redisUrl/.test(err.message) && /allowPerProcessState/.test(err.message),
      )
    }
  })

  it('refuses a declared replica count above one the same way', () => {
    const declared = { ...config('production'), fleet: { replicas: 3, allowPerProcessState: false, resyncMs: 5000 } }
    assert.throws(() => checkFleetRules(declared, 1), /fleet\.replicas/)
  })

  it('accepts one process, a shared store, an explicit allowPerProcessState, and other environments', () => {
    checkFleetRules(config('production'), 1)
    checkFleetRules(config('production', { REDIS_URL: 'redis://127.0.0.1:6379' }), 4)
    checkFleetRules({ ...config('staging'), fleet: { replicas: 1, allowPerProcessState: true, resyncMs: 5000 } }, 4)
    checkFleetRules(config('test'), 4)
  })
})

describe('labelPerProcess', () => {
  it('labels per-process series with the worker and leaves the rest to be summed', async () => {
    const metrics = createMetrics()
    metrics.httpRequests.labels('GET', '/healthz', '200').inc()
    const labelled = labelPerProcess(await metrics.registry.getMetricsAsJSON(), '2')
    const cpu = labelled.find((metric) => metric.name === 'portcullis_process_cpu_user_seconds_total')
    assert.ok(cpu !== undefined && cpu.values.every((value) => value.labels.worker === '2'))
    const requests = labelled.find((metric) => metric.name === 'portcullis_http_requests_total')
    assert.ok(requests !== undefined && requests.values.every((value) => value.labels.worker === undefined))
  })
})

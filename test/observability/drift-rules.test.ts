import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { registerDriftGauges } from '../../src/drift/drift-gauges.js'
import { DriftMonitor } from '../../src/drift/drift-monitor.js'
import type { ModelRegistry } from '../../src/models/registry.js'

const RULES_DIR = join(import.meta.dirname, '../../deploy/prometheus')

describe('deploy/prometheus/drift-rules.yml', () => {
  it('passes its promtool unit tests', () => {
    const output = execFileSync('promtool', ['test', 'rules', 'drift-rules.test.yml'], { cwd: RULES_DIR, encoding: 'utf8' })
    assert.match(output, /SUCCESS/)
  })

  it('names only drift gauges the gateway registers', async () => {
    const registry = new Registry()
    const models: Pick<ModelRegistry, 'list'> = { list: () => [] }
    registerDriftGauges(registry, models, new DriftMonitor({ windowSize: 10, thresholds: { warn: 0.1, alert: 0.25 } }))
    const registered = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name))
    const used = new Set(readFileSync(join(RULES_DIR, 'drift-rules.yml'), 'utf8').match(/\bportcullis_\w+/g) ?? [])
    assert.ok(used.size >= 3)
    for (const name of used) assert.ok(registered.has(name), `${name} is not a drift gauge`)
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Histogram, Registry } from 'prom-client'
import { FastHistogram } from '../../src/observability/fast-histogram.js'

const BUCKETS = [0.001, 0.01, 0.1, 1]

/** The same histogram twice: prom-client's own and FastHistogram, each on its own registry. */
function pair(): { reference: Histogram<'stage' | 'model'>; fast: FastHistogram<'stage' | 'model'>; render: () => Promise<[string, string]> } {
  const referenceRegistry = new Registry()
  const fastRegistry = new Registry()
  const config = { name: 'demo_seconds', help: 'Demo latency', labelNames: ['stage', 'model'] as const, buckets: BUCKETS }
  const reference = new Histogram({ ...config, registers: [referenceRegistry] })
  const fast = new FastHistogram({ ...config, registers: [fastRegistry] })
  return { reference, fast, render: async () => [await referenceRegistry.metrics(), await fastRegistry.metrics()] }
}

describe('FastHistogram', () => {
  it('renders exactly what prom-client renders for the same observations', async () => {
    const { reference, fast, render } = pair()
    const values = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 1, 3, 42]
    for (const value of values) {
      reference.labels('validate', 'iris').observe(value)
      fast.labels('validate', 'iris').observe(value)
      reference.observe({ stage: 'inference', model: 'mlp' }, value * 2)
      fast.observe({ stage: 'inference', model: 'mlp' }, value * 2)
    }
    reference.zero({ stage: 'serialize', model: 'iris' })
    fast.zero({ stage: 'serialize', model: 'iris' })
    const [expected, actual] = await render()
    assert.equal(actual, expected)
    assert.match(actual, /demo_seconds_bucket\{le="0.1",stage="validate",model="iris"\} 6/)
    assert.match(actual, /demo_seconds_count\{stage="serialize",model="iris"\} 0/)
    // get() (the JSON a cluster aggregator reads) carries the same series; prom-client adds exemplar: null.
    const series = async (metric: Histogram<'stage' | 'model'>) => {
      const { values, ...header } = await metric.get()
      return { header, values: values.map(({ metricName, labels, value }) => ({ metricName, labels, value })) }
    }
    assert.deepEqual(await series(fast), await series(reference))
  })

  it('hands out one series handle per label set, which keeps counting after reset() and remove()', async () => {
    const { reference, fast, render } = pair()
    const handle = fast.labels('validate', 'iris')
    assert.equal(fast.labels({ stage: 'validate', model: 'iris' }), handle)
    handle.observe(0.5)
    fast.reset()
    reference.reset()
    handle.observe(0.25)
    reference.labels('validate', 'iris').observe(0.25)
    fast.labels('cache_lookup', 'iris').observe(0.002)
    fast.remove('cache_lookup', 'iris')
    const [expected, actual] = await render()
    assert.equal(actual, expected)
    assert.match(actual, /demo_seconds_sum\{stage="validate",model="iris"\} 0.25/)
  })

  it('times with startTimer, on the metric and on a handle', async () => {
    const { fast, render } = pair()
    const end = fast.labels('inference', 'mlp').startTimer()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const seconds = end()
    assert.ok(seconds >= 0.004 && seconds < 1, `measured ${seconds} s`)
    fast.startTimer({ stage: 'validate' })({ model: 'iris' })
    const [, text] = await render()
    assert.match(text, /demo_seconds_count\{stage="inference",model="mlp"\} 1/)
    assert.match(text, /demo_seconds_count\{stage="validate",model="iris"\} 1/)
  })

  it('refuses unknown labels, a wrong number of values and values that are not finite', () => {
    const { fast } = pair()
    // Through the untyped view a caller without the label types has: the check is at run time.
    const untyped: FastHistogram<string> = fast
    assert.throws(() => untyped.labels({ stage: 'validate', route: '/x' }), /unknown label route/)
    assert.throws(() => fast.labels('validate'), /expected 2 label values, got 1/)
    assert.throws(() => fast.labels('validate', 'iris').observe(Number.NaN), /not a finite number/)
  })
})

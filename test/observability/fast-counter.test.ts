import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Counter, Registry } from 'prom-client'
import { FastCounter } from '../../src/observability/fast-counter.js'

/** The same counter twice: prom-client's own and FastCounter, each on its own registry. */
function pair(): { reference: Counter<'method' | 'status'>; fast: FastCounter<'method' | 'status'>; render: () => Promise<[string, string]> } {
  const referenceRegistry = new Registry()
  const fastRegistry = new Registry()
  const config = { name: 'demo_requests_total', help: 'Demo requests', labelNames: ['method', 'status'] as const }
  const reference = new Counter({ ...config, registers: [referenceRegistry] })
  const fast = new FastCounter({ ...config, registers: [fastRegistry] })
  // Series may come out in another order (a handle's first increment reaches prom-client when the
  // counter is read), which the exposition format does not care about: lines are compared sorted.
  const sorted = (text: string): string => text.split('\n').sort().join('\n')
  return { reference, fast, render: async () => [sorted(await referenceRegistry.metrics()), sorted(await fastRegistry.metrics())] }
}

describe('FastCounter', () => {
  it('renders exactly what prom-client renders for the same increments', async () => {
    const { reference, fast, render } = pair()
    for (let i = 0; i < 5; i += 1) {
      reference.labels('POST', '200').inc()
      fast.labels('POST', '200').inc()
    }
    reference.labels({ method: 'GET', status: '404' }).inc(2.5)
    fast.labels({ method: 'GET', status: '404' }).inc(2.5)
    reference.inc({ method: 'GET', status: '200' }, 3)
    fast.inc({ method: 'GET', status: '200' }, 3)
    reference.labels('PUT', '500').inc(0)
    fast.labels('PUT', '500').inc(0)
    const [expected, actual] = await render()
    assert.equal(actual, expected)
    assert.match(actual, /demo_requests_total\{method="POST",status="200"\} 5/)
    assert.match(actual, /demo_requests_total\{method="PUT",status="500"\} 0/)
    const byLabels = (values: { labels: object }[]) => [...values].sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)))
    const [fastJson, referenceJson] = [await fast.get(), await reference.get()]
    assert.deepEqual({ ...fastJson, values: byLabels(fastJson.values) }, { ...referenceJson, values: byLabels(referenceJson.values) })
  })

  it('keeps one handle per label set, counting across scrapes, reset() and remove()', async () => {
    const { reference, fast, render } = pair()
    const handle = fast.labels('POST', '200')
    assert.equal(fast.labels({ method: 'POST', status: '200' }), handle)
    handle.inc()
    await fast.get()
    handle.inc()
    reference.labels('POST', '200').inc(2)
    assert.equal((await render())[1], (await render())[0])
    fast.reset()
    reference.reset()
    handle.inc(4)
    reference.labels('POST', '200').inc(4)
    fast.labels('GET', '200').inc()
    fast.remove('GET', '200')
    const [expected, actual] = await render()
    assert.equal(actual, expected)
    assert.match(actual, /demo_requests_total\{method="POST",status="200"\} 4/)
  })

  it('refuses unknown labels, a wrong number of values and a decrease', () => {
    const { fast } = pair()
    // Through the untyped view a caller without the label types has: the check is at run time.
    const untyped: FastCounter<string> = fast
    assert.throws(() => untyped.labels({ method: 'GET', route: '/x' }), /unknown label route/)
    assert.throws(() => fast.labels('GET'), /expected 2 label values, got 1/)
    assert.throws(() => fast.labels('GET', '200').inc(-1), /only goes up/)
  })
})

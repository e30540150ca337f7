import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import type { Next } from 'koa'
import { stage } from '../../src/http/stage.js'
import type { AppContext, AppMiddleware } from '../../src/http/state.js'
import { createMetrics, type Metrics } from '../../src/observability/metrics.js'

/** Count and sum of `portcullis_stage_duration_seconds` for one stage, from the registry's own text. */
async function timings(metrics: Metrics, name: string): Promise<{ count: number; sum: number }> {
  const text = await metrics.registry.metrics()
  const read = (suffix: string): number => {
    const line = text.split('\n').find((entry) => entry.startsWith(`portcullis_stage_duration_seconds_${suffix}{stage="${name}",door="http"}`))
    return Number(line?.split(' ').at(-1) ?? NaN)
  }
  return { count: read('count'), sum: read('sum') }
}

// The stages only pass ctx along; none of these middlewares reads it.
const ctx = {} as AppContext

async function run(middleware: AppMiddleware, downstream: Next): Promise<{ count: number; sum: number; error?: unknown }> {
  const metrics = createMetrics()
  let error: unknown
  await stage('budget', metrics, middleware)(ctx, downstream).catch((err: unknown) => (error = err))
  return { ...(await timings(metrics, 'budget')), error }
}

describe('stage', () => {
  it('times a stage that passes on at once up to its next(), not the slow work after it', async () => {
    const timed = await run(
      (_ctx, next) => next(),
      () => sleep(40),
    )
    assert.equal(timed.count, 1)
    assert.ok(timed.sum < 0.03, `took ${timed.sum} s: the downstream 40 ms were counted`)
  })

  it('times a stage that waits before passing on, including its wait', async () => {
    const timed = await run(
      async (_ctx, next) => {
        await sleep(25)
        await next()
      },
      () => Promise.resolve(),
    )
    assert.equal(timed.count, 1)
    assert.ok(timed.sum >= 0.02, `took ${timed.sum} s: the stage's own 25 ms wait was not counted`)
  })

  it('times a stage that refuses the request once, and lets its error through', async () => {
    const refusal = new Error('refused')
    const timed = await run(
      () => Promise.reject(refusal),
      () => assert.fail('a refused request must not go on'),
    )
    assert.equal(timed.count, 1)
    assert.equal(timed.error, refusal)
  })

  it('times a stage that throws before returning a promise once, as a rejection', async () => {
    const refusal = new Error('refused at once')
    const timed = await run(
      () => {
        throw refusal
      },
      () => assert.fail('a refused request must not go on'),
    )
    assert.equal(timed.count, 1)
    assert.equal(timed.error, refusal)
  })

  it('times a stage that answers without next() once', async () => {
    const timed = await run(
      () => Promise.resolve(),
      () => assert.fail('an answered request must not go on'),
    )
    assert.equal(timed.count, 1)
  })

  it('counts a stage once when the error comes from further down', async () => {
    const failure = new Error('downstream')
    const timed = await run(
      async (_ctx, next) => {
        await sleep(5)
        await next()
      },
      () => Promise.reject(failure),
    )
    assert.equal(timed.count, 1)
    assert.equal(timed.error, failure)
  })

  it('names the wrapped middleware after the stage it wraps', () => {
    const metrics = createMetrics()
    assert.equal(
      stage('budget', metrics, function admit(_ctx, next) {
        return next()
      }).name,
      'admit',
    )
    assert.equal(stage('budget', metrics, (_ctx, next) => next()).name, 'budget')
  })
})

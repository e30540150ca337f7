import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { createLogger } from '../../src/observability/logger.js'
import { createMetrics, type Metrics } from '../../src/observability/metrics.js'
import { sameAnswer, ShadowMirror } from '../../src/predict/shadow.js'

async function count(metrics: Metrics, result: string): Promise<number> {
  const metric = await metrics.shadowAgreement.get()
  return metric.values.find((value) => value.labels.model === 'm' && value.labels.result === result)?.value ?? 0
}

function mirror(maxInFlight: number): { shadows: ShadowMirror; metrics: Metrics } {
  const metrics = createMetrics({ defaults: false })
  return { metrics, shadows: new ShadowMirror({ maxInFlight, metrics, logger: createLogger({ level: 'error', silent: true }) }) }
}

describe('ShadowMirror.mirror()', () => {
  it('returns before the shadow starts, and starts it in a later turn of the event loop', async () => {
    const { shadows } = mirror(4)
    let started = false
    shadows.mirror({
      model: 'm',
      version: '2',
      primary: 1,
      run: async () => {
        started = true
        return 1
      },
      agree: sameAnswer,
    })
    assert.equal(started, false)
    await nextTurn()
    assert.equal(started, true)
    await shadows.idle()
  })

  it('never waits for a shadow that does not answer', async () => {
    const { shadows } = mirror(4)
    const never = new Promise<number>(() => undefined)
    shadows.mirror({ model: 'm', version: '2', primary: 1, run: () => never, agree: sameAnswer })
    assert.equal(shadows.inFlight, 1)
  })

  it('counts agreement, disagreement and errors', async () => {
    const { shadows, metrics } = mirror(4)
    shadows.mirror({ model: 'm', version: '2', primary: ['setosa'], run: async () => ['setosa'], agree: sameAnswer })
    shadows.mirror({ model: 'm', version: '2', primary: ['setosa'], run: async () => ['virginica'], agree: sameAnswer })
    shadows.mirror({
      model: 'm',
      version: '2',
      primary: ['setosa'],
      run: async () => {
        throw new Error('shape mismatch')
      },
      agree: sameAnswer,
    })
    await nextTurn()
    await shadows.idle()
    assert.deepEqual([await count(metrics, 'agree'), await count(metrics, 'disagree'), await count(metrics, 'error')], [1, 1, 1])
  })

  it('drops and counts copies beyond maxInFlight instead of queueing them', async () => {
    const { shadows, metrics } = mirror(2)
    let release = (): void => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    for (let i = 0; i < 5; i += 1)
      shadows.mirror({
        model: 'm',
        version: '2',
        primary: 1,
        run: async () => {
          await gate
          return 1
        },
        agree: sameAnswer,
      })
    assert.equal(shadows.inFlight, 2)
    assert.equal(await count(metrics, 'dropped'), 3)
    release()
    await nextTurn()
    await shadows.idle()
    assert.equal(shadows.inFlight, 0)
    assert.equal(await count(metrics, 'agree'), 2)
  })
})

describe('sameAnswer()', () => {
  it('compares labels exactly and numbers within float32 noise', () => {
    assert.equal(sameAnswer(['a', 'b'], ['a', 'b']), true)
    assert.equal(sameAnswer(['a'], ['b']), false)
    assert.equal(sameAnswer([0.1, [1, 2]], [0.10000000149011612, [1, 2]]), true)
    assert.equal(sameAnswer([0.1], [0.2]), false)
    assert.equal(sameAnswer([1, 2], [1, 2, 3]), false)
  })
})

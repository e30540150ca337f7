import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { endOfTurn } from '../../src/predict/end-of-turn.js'

describe('endOfTurn', () => {
  it('resolves every caller of one turn together, in the check phase, then starts afresh', async () => {
    const order: string[] = []
    const first = endOfTurn()
    const second = endOfTurn()
    assert.equal(first, second, 'callers of one turn share one wait')
    void first.then(() => order.push('first'))
    void second.then(() => order.push('second'))
    for (let i = 0; i < 10; i += 1) await Promise.resolve()
    order.push('after microtasks')
    await first
    assert.deepEqual(order, ['after microtasks', 'first', 'second'])
    assert.notEqual(endOfTurn(), first, 'a later turn gets a new wait')
  })
})

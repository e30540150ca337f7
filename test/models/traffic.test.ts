import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canaryPosition, choosesCanary } from '../../src/models/traffic.js'

describe('choosesCanary()', () => {
  it('picks the same answer for the same subject every time', () => {
    for (let i = 0; i < 100; i += 1) {
      const first = choosesCanary('iris', `user-${i}`, 40)
      assert.equal(choosesCanary('iris', `user-${i}`, 40), first)
    }
  })

  for (const weight of [5, 20, 50, 90]) {
    it(`sends ${weight}% of 1,000 distinct subjects to the canary, within 5 points`, () => {
      let chosen = 0
      for (let i = 0; i < 1000; i += 1) if (choosesCanary('iris', `client-${i}`, weight)) chosen += 1
      assert.ok(Math.abs(chosen / 10 - weight) <= 5, `got ${chosen / 10}%`)
    })
  }

  it('keeps a subject in the canary when the weight grows', () => {
    const inAt10 = Array.from({ length: 500 }, (_, i) => `grow-${i}`).filter((subject) => choosesCanary('iris', subject, 10))
    assert.ok(inAt10.length > 0)
    for (const subject of inAt10) assert.equal(choosesCanary('iris', subject, 30), true)
  })

  it('never chooses at 0 and always at 100', () => {
    assert.equal(choosesCanary('iris', 'anyone', 0), false)
    assert.equal(choosesCanary('iris', 'anyone', 100), true)
  })

  it('places the same subject differently for two models', () => {
    const differs = Array.from({ length: 20 }, (_, i) => canaryPosition('a', `s${i}`) !== canaryPosition('b', `s${i}`))
    assert.ok(differs.every(Boolean))
  })
})

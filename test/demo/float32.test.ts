import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { float32SplitThreshold, nextFloat32Up, shortestFloat32Decimal } from '../../src/training/float32.js'
import { seededRandom } from '../../src/training/seeded-random.js'

describe('float32SplitThreshold', () => {
  it('sends 1.7 left of the 1.6/1.8 midpoint, as the double comparison does', () => {
    const threshold = (1.6 + 1.8) / 2
    assert.ok(1.7 < threshold)
    // Plain rounding would send float32(1.7) right: it equals the rounded threshold.
    assert.equal(Math.fround(1.7), Math.fround(threshold))
    assert.ok(Math.fround(1.7) < float32SplitThreshold(threshold))
  })

  it('keeps a value equal to the threshold on the right', () => {
    assert.equal(Math.fround(4.95) < float32SplitThreshold(4.95), 4.95 < 4.95)
    assert.equal(float32SplitThreshold(0.5), 0.5)
  })

  it('agrees with the double comparison for short decimals around midpoint thresholds', () => {
    const random = seededRandom(7)
    for (let trial = 0; trial < 20000; trial++) {
      const decimals = 1 + Math.floor(random() * 3)
      const step = 10 ** -decimals
      const a = Number((Math.floor(random() * 2000 - 1000) * step).toFixed(decimals))
      const b = Number((a + step * (1 + Math.floor(random() * 3))).toFixed(decimals))
      const threshold = (a + b) / 2
      const split = float32SplitThreshold(threshold)
      for (let k = -3; k <= 3; k++) {
        const x = Number((threshold + k * step).toFixed(decimals))
        assert.equal(Math.fround(x) < split, x < threshold, `x=${x} threshold=${threshold}`)
      }
    }
  })
})

describe('nextFloat32Up', () => {
  it('steps one float32 ulp towards +Infinity on both sides of zero', () => {
    assert.equal(nextFloat32Up(1), 1 + 2 ** -23)
    assert.equal(nextFloat32Up(-1), -1 + 2 ** -24)
    assert.equal(nextFloat32Up(0), 2 ** -149)
  })
})

describe('shortestFloat32Decimal', () => {
  it('recovers the short decimal a float32 was made from', () => {
    assert.equal(shortestFloat32Decimal(Math.fround(1.7)), 1.7)
    assert.equal(shortestFloat32Decimal(Math.fround(-0.123456)), -0.123456)
    assert.equal(shortestFloat32Decimal(2), 2)
  })
})

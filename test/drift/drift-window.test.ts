import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DriftWindow, driftStatus, populationStabilityIndex } from '../../src/drift/drift-window.js'
import { binOf, computeProfile, computeRegressionProfile, quantileEdges } from '../../src/drift/profile.js'

const THRESHOLDS = { warn: 0.1, alert: 0.25 }

describe('reference profiles', () => {
  it('puts a value in the first bin whose edge it does not exceed', () => {
    assert.deepEqual(
      [0, 1, 1.5, 2, 9].map((value) => binOf([1, 2], value)),
      [0, 0, 1, 1, 2],
    )
  })

  it('drops repeated and top quantile edges, so every bin can hold reference rows', () => {
    assert.deepEqual(quantileEdges([1, 1, 1, 1, 1, 1, 1, 2, 2, 2], 10), [1])
    assert.deepEqual(quantileEdges([5, 5, 5], 10), [])
  })

  it('profiles features and predicted classes', () => {
    const profile = computeProfile(['x'], [[1], [2], [3], [4]], ['a', 'a', 'b', 'a'], ['a', 'b', 'c'])
    assert.equal(profile.features[0]?.mean, 2.5)
    assert.equal(profile.features[0]?.std, Math.sqrt(1.25))
    assert.equal(
      profile.features[0]?.shares.reduce((sum, share) => sum + share, 0),
      1,
    )
    assert.deepEqual(profile.classes, [
      { label: 'a', share: 0.75 },
      { label: 'b', share: 0.25 },
      { label: 'c', share: 0 },
    ])
  })
})

describe('the drift window', () => {
  const reference = Array.from({ length: 1000 }, (_, i) => [i % 100, 50])
  const profile = computeProfile(
    ['spread', 'constant'],
    reference,
    reference.map(() => 'a'),
    ['a', 'b'],
  )

  it('keeps only the last rows, so old ones stop counting', () => {
    const window = new DriftWindow(profile, 100)
    for (let i = 0; i < 100; i++) window.add([500, 50], 1)
    for (let i = 0; i < 250; i++) window.add([i % 100, 50], 0)
    const report = window.report(THRESHOLDS)
    assert.equal(report.window, 100)
    assert.equal(report.features.spread?.status, 'ok')
    assert.equal(report.features.spread?.out_of_range_share, 0)
    assert.deepEqual(report.classes.a, { share: 1, reference_share: 1 })
  })

  it('raises a shifted feature to alert and counts values out of range', () => {
    const window = new DriftWindow(profile, 100)
    for (let i = 0; i < 100; i++) window.add([i + 60, 50], 1)
    const report = window.report(THRESHOLDS)
    assert.equal(report.features.spread?.status, 'alert')
    assert.equal(report.features.spread?.out_of_range_share, 0.6)
    assert.equal(report.features.constant?.status, 'ok')
    assert.equal(report.classes.b?.share, 1)
  })

  it('reports an empty window as ok with no mean', () => {
    const report = new DriftWindow(profile, 10).report(THRESHOLDS)
    assert.equal(report.window, 0)
    assert.ok(Number.isNaN(report.features.spread?.mean))
    assert.equal(report.features.spread?.status, 'ok')
  })

  it('grades PSI by the thresholds', () => {
    assert.equal(populationStabilityIndex([0.5, 0.5], [0.5, 0.5]), 0)
    assert.deepEqual(
      [0.05, 0.1, 0.25, 0.3].map((psi) => driftStatus(psi, THRESHOLDS)),
      ['ok', 'warn', 'warn', 'alert'],
    )
  })
})

describe('the drift window of a regression', () => {
  const reference = Array.from({ length: 1000 }, (_, i) => [i % 100])
  const profile = computeRegressionProfile(
    ['x'],
    reference,
    reference.map(([x = 0]) => 2 * x),
  )

  it('profiles the predicted values in quantile bins instead of class shares', () => {
    assert.deepEqual(profile.classes, [])
    assert.equal(profile.prediction?.mean, 99)
    assert.equal(profile.prediction?.edges.length, 9)
  })

  it('grades predicted values like a feature: ok from the reference, alert when they move', () => {
    const window = new DriftWindow(profile, 100)
    for (let i = 0; i < 100; i++) window.add([i], -1, 2 * i)
    assert.equal(window.report(THRESHOLDS).prediction?.status, 'ok')
    for (let i = 0; i < 100; i++) window.add([i], -1, 2 * i + 120)
    const moved = window.report(THRESHOLDS)
    assert.equal(moved.prediction?.status, 'alert')
    assert.equal(moved.prediction?.out_of_range_share, 0.6)
    assert.equal(moved.features.x?.status, 'ok')
  })

  it('reports no prediction drift for a classifier', () => {
    const classifier = computeProfile(['x'], [[1], [2]], ['a', 'b'], ['a', 'b'])
    assert.equal(new DriftWindow(classifier, 10).report(THRESHOLDS).prediction, undefined)
  })
})

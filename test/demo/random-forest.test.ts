import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RandomForestClassifier } from 'ml-random-forest'
import { classifyWithTree, readForestTrees } from '../../src/training/decision-tree.js'
import { loadIris } from '../../src/demo/iris.js'
import { decodeModelProto } from '../../src/training/onnx-proto.js'
import { DEFAULT_FOREST_OPTIONS, trainRandomForest } from '../../src/training/random-forest.js'

describe('readForestTrees', () => {
  it('reproduces every tree vote of ml-random-forest on the training rows', () => {
    const iris = loadIris()
    const forest = new RandomForestClassifier({ nEstimators: 10, maxFeatures: 2, replacement: true, seed: 3, noOOB: true })
    forest.train(iris.features, iris.labels)
    const trees = readForestTrees(JSON.parse(JSON.stringify(forest.toJSON())))
    const votes = forest.predictionValues(iris.features)
    assert.equal(trees.length, 10)
    iris.features.forEach((row, i) =>
      trees.forEach((tree, t) => {
        assert.equal(classifyWithTree(tree, row), votes.get(i, t), `row ${i} tree ${t}`)
      }),
    )
  })

  it('rejects data that is not an ml-random-forest model', () => {
    assert.throws(() => readForestTrees({ name: 'RFClassifier' }), TypeError)
    assert.throws(() => readForestTrees({ baseModel: { indexes: [[0]], estimators: [{ root: {} }] } }), TypeError)
  })
})

describe('trainRandomForest', () => {
  const iris = loadIris()
  const model = trainRandomForest(iris)

  it('exports a single TreeEnsembleClassifier from the ai.onnx.ml domain', () => {
    const nodes = decodeModelProto(model.onnx).graph?.node ?? []
    assert.equal(nodes.length, 1)
    assert.equal(nodes[0]?.opType, 'TreeEnsembleClassifier')
    assert.equal(nodes[0]?.domain, 'ai.onnx.ml')
    const treeIds = nodes[0]?.attribute?.find((attribute) => attribute.name === 'nodes_treeids')?.ints ?? []
    assert.equal(new Set(treeIds).size, DEFAULT_FOREST_OPTIONS.nTrees)
  })

  it('gives vote shares that sum to one and agree with its labels', () => {
    const probabilities = model.predictProbabilities(iris.features)
    const labels = model.predictLabels(iris.features)
    probabilities.forEach((row, i) => {
      assert.ok(Math.abs(row.reduce((sum, p) => sum + p, 0) - 1) < 1e-12)
      assert.equal(row[labels[i] ?? -1], Math.max(...row))
    })
  })

  // Documents why the vote shares are counted here: if this fails, the library may have fixed predictProbability.
  it('differs from ml-random-forest predictProbability only by the first tree vote that function drops', () => {
    const forest = new RandomForestClassifier({
      nEstimators: DEFAULT_FOREST_OPTIONS.nTrees,
      maxFeatures: DEFAULT_FOREST_OPTIONS.maxFeatures,
      replacement: false,
      seed: DEFAULT_FOREST_OPTIONS.seed,
      noOOB: true,
    })
    forest.train(iris.features, iris.labels)
    const votes = forest.predictionValues(iris.features)
    const shares = model.predictProbabilities(iris.features)
    const nTrees = DEFAULT_FOREST_OPTIONS.nTrees
    for (let label = 0; label < 3; label++) {
      forest.predictProbability(iris.features, label).forEach((libraryShare, i) => {
        const firstVote = votes.get(i, 0)
        const expected = (shares[i]?.[label] ?? Number.NaN) - (firstVote === label ? 1 / nTrees : 0) + firstVote / 1e6
        assert.ok(Math.abs(libraryShare - expected) < 1e-9, `row ${i} label ${label}: ${libraryShare} vs ${expected}`)
      })
    }
  })
})

import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse } from 'yaml'
import { DEMO_MODEL_NAMES, buildDemoModels, trainDemoModels, type DemoBuildReport, type DemoModelName } from '../../src/demo/build-demo.js'
import { loadIris } from '../../src/demo/iris.js'
import type { TrainedClassifier } from '../../src/training/trained-classifier.js'
import { loadSession, maxAbsDifference, runClassifier } from './run-onnx.js'

const iris = loadIris()

describe('buildDemoModels', () => {
  const trained = trainDemoModels()
  const trainers: Record<DemoModelName, TrainedClassifier> = { iris: trained.forest, 'iris-logreg': trained.softmax }
  let outDir = ''
  let report: DemoBuildReport = { models: [] }

  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'portcullis-demo-'))
    report = await buildDemoModels(outDir)
  })
  after(async () => {
    await rm(outDir, { recursive: true, force: true })
  })

  it('writes model.yaml and 1/model.onnx for each demo model and reports them', async () => {
    assert.deepEqual(
      report.models.map((model) => model.name),
      [...DEMO_MODEL_NAMES],
    )
    for (const model of report.models) {
      assert.equal(model.path, join(outDir, model.name))
      assert.ok((await stat(join(model.path, 'model.yaml'))).isFile())
      assert.ok((await stat(join(model.path, '1', 'model.onnx'))).isFile())
    }
  })

  for (const name of DEMO_MODEL_NAMES) {
    it(`writes an ${name} model that matches its trainer on all 150 iris rows`, async (t) => {
      const session = await loadSession(join(outDir, name, '1', 'model.onnx'))
      assert.deepEqual(session.inputNames, ['input'])
      assert.deepEqual([...session.outputNames].sort(), ['label', 'probabilities'])
      const onnx = await runClassifier(session, iris.features)
      const trainer = trainers[name]
      assert.deepEqual(onnx.labels, trainer.predictLabels(iris.features))
      const expected = trainer.predictProbabilities(iris.features)
      assert.equal(onnx.probabilities.length, 150)
      assert.ok(onnx.probabilities.every((row) => row.length === 3))
      const difference = maxAbsDifference(onnx.probabilities, expected)
      t.diagnostic(`${name}: largest |onnx - trainer| probability difference ${difference.toExponential(2)}`)
      assert.ok(difference <= 1e-5, `probabilities differ by ${difference}`)
    })
  }

  it('describes each model in model.yaml', async () => {
    for (const model of report.models) {
      const card: unknown = parse(await readFile(join(model.path, 'model.yaml'), 'utf8'))
      assert.ok(typeof card === 'object' && card !== null)
      const isForest = model.name === 'iris'
      assert.deepEqual(card, {
        description: isForest ? 'Iris species classifier (random forest, 25 trees)' : 'Iris species classifier (softmax regression)',
        features: [
          { name: 'sepal_length', min: 4.3, max: 7.9 },
          { name: 'sepal_width', min: 2, max: 4.4 },
          { name: 'petal_length', min: 1, max: 6.9 },
          { name: 'petal_width', min: 0.1, max: 2.5 },
        ],
        labels: ['setosa', 'versicolor', 'virginica'],
        outputs: { label: 'label', probabilities: 'probabilities' },
        nanPolicy: 'reject',
        roles: ['user', 'admin'],
        training: {
          dataset: 'iris',
          rows: 150,
          algorithm: isForest ? 'random-forest' : 'softmax-regression',
          accuracy: Math.round(model.accuracy * 10000) / 10000,
        },
        examples: [
          [5.1, 3.5, 1.4, 0.2],
          [7, 3.2, 4.7, 1.4],
          [6.3, 3.3, 6, 2.5],
        ],
      })
    }
  })

  it('reports training accuracies of at least 0.95', () => {
    for (const model of report.models) {
      assert.ok(model.accuracy >= 0.95 && model.accuracy <= 1, `${model.name}: ${model.accuracy}`)
    }
    assert.equal(report.models[0]?.accuracy, trained.forest.accuracy)
    assert.equal(report.models[1]?.accuracy, trained.softmax.accuracy)
  })
})

describe('trainDemoModels', () => {
  it('trains identical models on every call', () => {
    const first = trainDemoModels()
    const second = trainDemoModels()
    for (const key of ['forest', 'softmax'] as const) {
      assert.deepEqual(first[key].onnx, second[key].onnx)
      assert.deepEqual(first[key].predictProbabilities(iris.features), second[key].predictProbabilities(iris.features))
      assert.equal(first[key].accuracy, second[key].accuracy)
    }
  })

  it('labels the training rows the way the accuracy says', () => {
    const { forest, softmax } = trainDemoModels()
    for (const model of [forest, softmax]) {
      const correct = model.predictLabels(iris.features).filter((label, i) => label === iris.labels[i]).length
      assert.equal(correct / 150, model.accuracy)
    }
  })
})

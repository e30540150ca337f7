import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { trainDemoModels } from '../../src/demo/build-demo.js'
import { IRIS_CLASS_NAMES, loadIris } from '../../src/demo/iris.js'
import type { TrainedClassifier } from '../../src/training/trained-classifier.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'

interface PredictBody {
  predictions: string[]
  probabilities: number[][]
}

const TOLERANCE = 1e-5

describe('served Iris models against their trainers', () => {
  let server: TestServer
  const iris = loadIris()
  const trained = trainDemoModels()
  after(() => server.close())
  before(async () => {
    server = await startServer()
  })

  const cases: [string, TrainedClassifier][] = [
    ['iris', trained.forest],
    ['iris-logreg', trained.softmax],
  ]
  for (const [model, trainer] of cases) {
    it(`answers ${model}'s labels and probabilities for all 150 rows as the trainer predicts them`, async () => {
      const rows = iris.features.map((row) => [...row])
      const response = await postJson(`${server.url}/api/v1/models/${model}/predict`, { inputs: rows }, server.token(['user']))
      assert.equal(response.status, 200)
      const body = (await response.json()) as PredictBody
      const expectedLabels = trainer.predictLabels(rows).map((index) => IRIS_CLASS_NAMES[index])
      const expectedProbabilities = trainer.predictProbabilities(rows)
      assert.equal(body.predictions.length, 150)
      assert.deepEqual(body.predictions, expectedLabels)
      let largest = 0
      body.probabilities.forEach((row, i) => {
        row.forEach((p, j) => {
          largest = Math.max(largest, Math.abs(p - (expectedProbabilities[i]?.[j] ?? NaN)))
        })
      })
      assert.ok(largest <= TOLERANCE, `largest probability difference ${largest} exceeds ${TOLERANCE}`)
    })
  }
})

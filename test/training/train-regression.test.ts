import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { readProfile } from '../../src/drift/profile.js'
import { readCsvTable, regressionDataset } from '../../src/training/csv-table.js'
import { regressionMetrics } from '../../src/training/regression-metrics.js'
import { splitRegression } from '../../src/training/split.js'
import { trainTabularRegression } from '../../src/training/tabular-trainer.js'
import { trainCsv, type TrainCsvReport } from '../../src/training/train-csv.js'
import { seededRandom } from '../../src/training/seeded-random.js'
import { floatBatch, loadSession } from '../demo/run-onnx.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { writeFlatsCsv } from './datasets.js'

const dir = mkdtempSync(join(tmpdir(), 'portcullis-regression-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Within float32 precision: the ONNX model keeps leaf values and sums in float32. */
function assertCloseToFloat32(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length)
  expected.forEach((value, i) => {
    const tolerance = 1e-5 * Math.max(1, Math.abs(value))
    assert.ok(Math.abs((actual[i] ?? Number.NaN) - value) <= tolerance, `row ${i}: ONNX ${actual[i]}, library ${value}`)
  })
}

describe('a trained regression forest', () => {
  it('answers in ONNX as the library does on the held-out rows', async () => {
    const data = regressionDataset(await readCsvTable(writeFlatsCsv(dir)), 'price', 'flats')
    const { train, test } = splitRegression(data, 0.2, 42)
    const { regressor } = trainTabularRegression('random-forest', train, 'flats', 42)
    const session = await loadSession(regressor.onnx)
    try {
      const output = (await session.run({ input: floatBatch(test.features) })).prediction
      assert.ok(output !== undefined)
      assert.deepEqual(output.dims, [test.features.length, 1])
      assertCloseToFloat32(Array.from(output.data as Float32Array), regressor.predict(test.features))
    } finally {
      await session.release()
    }
  })

  it('refuses logistic regression, a classifier', async () => {
    const data = regressionDataset(await readCsvTable(writeFlatsCsv(dir)), 'price', 'flats')
    assert.throws(() => trainTabularRegression('logistic-regression', data, 'flats', 1), /logistic-regression is a classifier/)
  })

  it('refuses a target cell that is not a number, naming its line', () => {
    const table = {
      columns: ['x', 'price'],
      rows: [
        ['1', '2.5'],
        ['2', 'cheap'],
      ],
    }
    assert.throws(() => regressionDataset(table, 'price', 'p'), /line 3, column "price": "cheap" is not a number/)
  })
})

describe('regression metrics', () => {
  it('gives RMSE, MAE and R² of the predictions', () => {
    assert.deepEqual(regressionMetrics([1, 2, 3, 4], [1, 2, 3, 4]), { rows: 4, rmse: 0, mae: 0, r2: 1 })
    // Errors 1, -1, 1, -1 around targets of variance 1.25: SSres 4, SStot 5.
    assert.deepEqual(regressionMetrics([2, 1, 4, 3], [1, 2, 3, 4]), { rows: 4, rmse: 1, mae: 1, r2: 0.2 })
  })
})

describe('portcullis train --task regression, served and watched', () => {
  let server: TestServer
  let report: TrainCsvReport
  let csv: string

  before(async () => {
    csv = writeFlatsCsv(dir)
    report = await trainCsv({ input: csv, target: 'price', model: 'flats', algorithm: 'random-forest', task: 'regression', testSize: 0.2, seed: 42, out: join(dir, 'models') })
    server = await startServer({ modelsDir: join(dir, 'models'), config: { drift: { windowSize: 200 }, cache: { enabled: false } } })
  })
  after(async () => {
    await server.close()
  })

  it('stores RMSE, MAE and R² of the training and held-out rows in model.yaml', async () => {
    assert.ok(report.task === 'regression')
    assert.equal(report.test.rows, 80)
    assert.ok(report.test.r2 > 0.8, `held-out R² ${report.test.r2}`)
    assert.ok(report.test.rmse >= report.test.mae && report.test.mae > 0)
    const card = parseYaml(readFileSync(join(dir, 'models', 'flats', 'model.yaml'), 'utf8')) as Record<string, unknown> & { training: Record<string, unknown> }
    assert.equal(card.training.task, 'regression')
    assert.deepEqual(card.training.metrics, { train: report.train, test: report.test })
    assert.deepEqual(card.training.output, { prediction: { name: 'prediction', shape: ['N', 1] } })
    assert.equal(card.labels, undefined)
    const response = await getJson(`${server.url}/api/v1/models/flats`, server.token(['user']))
    assert.equal(response.status, 200)
    const body = (await response.json()) as { training: { metrics: unknown } }
    assert.deepEqual(body.training.metrics, { train: report.train, test: report.test })
  })

  it('answers one number per row and no probabilities, as the library predicts', async () => {
    const data = regressionDataset(await readCsvTable(csv), 'price', 'flats')
    const { train, test } = splitRegression(data, 0.2, 42)
    const expected = trainTabularRegression('random-forest', train, 'flats', 42).regressor.predict(test.features.slice(0, 20))
    const response = await postJson(`${server.url}/api/v1/models/flats/predict`, { inputs: test.features.slice(0, 20) }, server.token(['user']))
    assert.equal(response.status, 200)
    const body = (await response.json()) as { predictions: unknown[]; probabilities?: unknown }
    assert.equal(body.probabilities, undefined)
    assert.ok(body.predictions.every((value) => typeof value === 'number'))
    assertCloseToFloat32(body.predictions as number[], expected)
  })

  it('grades the predicted values against the profile: ok from the reference rows, alert when they move', async () => {
    const profile = await readProfile(join(dir, 'models', 'flats', '1', 'profile.json'))
    assert.ok(profile?.prediction !== undefined && profile.classes.length === 0)
    const data = regressionDataset(await readCsvTable(csv), 'price', 'flats')
    const reference = splitRegression(data, 0.2, 42).train.features
    const random = seededRandom(5)
    const sample = Array.from({ length: 200 }, () => reference[Math.floor(random() * reference.length)] ?? [])
    const drift = async (rows: number[][]): Promise<{ prediction: { psi: number; status: string }; classes: object }> => {
      const scored = await postJson(`${server.url}/api/v1/models/flats/predict`, { inputs: rows }, server.token(['user']))
      assert.equal(scored.status, 200)
      return (await (await getJson(`${server.url}/api/v1/models/flats/drift`, server.token(['user']))).json()) as { prediction: { psi: number; status: string }; classes: object }
    }
    const steady = await drift(sample)
    assert.equal(steady.prediction.status, 'ok', `psi ${steady.prediction.psi}`)
    assert.deepEqual(steady.classes, {})
    // Larger flats: the predicted prices move up, whatever the other features do.
    const moved = await drift(sample.map(([area = 0, ...rest]) => [Math.min(150, area + 50), ...rest]))
    assert.equal(moved.prediction.status, 'alert', `psi ${moved.prediction.psi}`)
    const metrics = await (await getJson(`${server.url}/metrics`, server.token(['admin']))).text()
    assert.match(metrics, /portcullis_drift_prediction_psi\{model="flats",version="1"\} \d/)
  })
})

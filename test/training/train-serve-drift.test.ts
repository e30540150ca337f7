import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { seededRandom } from '../../src/training/seeded-random.js'
import { readProfile } from '../../src/drift/profile.js'
import { labelledDataset, readCsvTable } from '../../src/training/csv-table.js'
import { splitTrainTest } from '../../src/training/split.js'
import { trainCsv, type TrainCsvReport } from '../../src/training/train-csv.js'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { writeIrisCsv, writeMachinesCsv } from './datasets.js'

const WINDOW = 500
const dir = mkdtempSync(join(tmpdir(), 'portcullis-watch-'))
const modelsDir = join(dir, 'models')
const logDir = join(dir, 'payload-logs')

interface DriftBody {
  model: string
  version: string
  window: number
  features: Record<string, { psi: number; mean: number; reference_mean: number; status: string; window: number }>
  classes: Record<string, { share: number; reference_share: number }>
}

/** `count` rows drawn with replacement from the reference rows, seeded. */
function resample(rows: readonly number[][], count: number, seed: number): number[][] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => [...(rows[Math.floor(random() * rows.length)] ?? [])])
}

describe('from a CSV to a served, watched model', () => {
  let server: TestServer
  let flowers: TrainCsvReport
  let machines: TrainCsvReport
  let referenceRows: number[][]

  before(async () => {
    const iris = writeIrisCsv(dir)
    flowers = await trainCsv({ input: iris, target: 'species', model: 'flowers', algorithm: 'random-forest', testSize: 0.2, seed: 42, out: modelsDir })
    machines = await trainCsv({ input: writeMachinesCsv(dir), target: 'machine', model: 'machines', algorithm: 'logistic-regression', testSize: 0.25, seed: 3, out: modelsDir })
    appendFileSync(join(modelsDir, 'flowers', 'model.yaml'), 'payloadLog: { sampleRate: 1, redact: [sepal_width, probabilities] }\n')
    referenceRows = splitTrainTest(labelledDataset(await readCsvTable(iris), 'species', 'flowers'), 0.2, 42).train.features
    server = await startServer({ modelsDir, config: { drift: { windowSize: WINDOW, payloadLogDir: logDir }, cache: { enabled: false } } })
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function send(model: string, rows: number[][]): Promise<void> {
    for (let start = 0; start < rows.length; start += 100) {
      const response = await postJson(`${server.url}/api/v1/models/${model}/predict`, { inputs: rows.slice(start, start + 100) }, server.token(['user']))
      assert.equal(response.status, 200, await response.text())
    }
  }

  async function drift(model: string): Promise<DriftBody> {
    const response = await getJson(`${server.url}/api/v1/models/${model}/drift`, server.token(['user']))
    assert.equal(response.status, 200)
    return (await response.json()) as DriftBody
  }

  it('serves both trained models with the metrics stored at training', async () => {
    for (const report of [flowers, machines]) {
      const response = await getJson(`${server.url}/api/v1/models/${report.model}`, server.token(['user']))
      assert.equal(response.status, 200)
      const body = (await response.json()) as { training: { metrics: { train: unknown; test: unknown } } }
      assert.deepEqual(body.training.metrics, { train: report.train, test: report.test })
      assert.ok(report.task === 'classification')
      assert.ok(report.test.accuracy > 0.7, `${report.model} held-out accuracy ${report.test.accuracy}`)
    }
    const answer = await postJson(`${server.url}/api/v1/models/machines/predict`, { inputs: [[75, 3.0, 1200]] }, server.token(['user']))
    assert.equal(answer.status, 200)
    assert.deepEqual(((await answer.json()) as { predictions: string[] }).predictions, ['b'])
  })

  it('keeps every feature ok while rows come from the reference distribution', async () => {
    await send('flowers', resample(referenceRows, WINDOW, 11))
    const body = await drift('flowers')
    assert.equal(body.window, WINDOW)
    assert.deepEqual(Object.keys(body.features), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
    for (const [name, feature] of Object.entries(body.features)) {
      assert.equal(feature.status, 'ok', `${name}: psi ${feature.psi}`)
      assert.equal(feature.window, WINDOW)
      assert.ok(Math.abs(feature.mean - feature.reference_mean) < 0.3, `${name}: mean ${feature.mean} vs ${feature.reference_mean}`)
    }
    assert.equal(Object.keys(body.classes).length, 3)
  })

  it('turns one feature shifted by two standard deviations to alert and leaves the others ok', async () => {
    const profile = await readProfile(join(modelsDir, 'flowers', '1', 'profile.json'))
    const std = profile?.features[2]?.std ?? Number.NaN
    const shifted = resample(referenceRows, WINDOW, 12).map((row) => row.map((value, i) => (i === 2 ? value + 2 * std : value)))
    await send('flowers', shifted)
    const body = await drift('flowers')
    assert.equal(body.features.petal_length?.status, 'alert', `psi ${body.features.petal_length?.psi}`)
    for (const name of ['sepal_length', 'sepal_width', 'petal_width']) assert.equal(body.features[name]?.status, 'ok', `${name}: psi ${body.features[name]?.psi}`)
  })

  it('exposes the drift as gauges on /metrics', async () => {
    const response = await getJson(`${server.url}/metrics`, server.token(['admin']))
    const text = await response.text()
    const lines = text.split('\n').filter((line) => line.startsWith('portcullis_drift_'))
    const value = (prefix: string): number =>
      Number(
        lines
          .find((line) => line.startsWith(prefix))
          ?.split(' ')
          .pop() ?? Number.NaN,
      )
    assert.ok(value('portcullis_drift_psi{model="flowers",version="1",feature="petal_length"}') > 0.25, lines.join('\n'))
    assert.ok(value('portcullis_drift_psi{model="flowers",version="1",feature="sepal_width"}') < 0.1, lines.join('\n'))
    assert.equal(value('portcullis_drift_window_rows{model="flowers",version="1"}'), WINDOW)
    assert.ok(value('portcullis_drift_class_share{model="flowers",version="1",class="setosa"}') >= 0)
  })

  it('refuses the drift route to a caller without models:read, and to no token', async () => {
    await assertEnvelope(await getJson(`${server.url}/api/v1/models/flowers/drift`, server.token(['metrics'])), 403, 'insufficient_scope')
    assert.equal((await getJson(`${server.url}/api/v1/models/flowers/drift`)).status, 401)
  })

  it('writes a payload log without the redacted fields', async () => {
    await server.close()
    const files = readdirSync(logDir).filter((name) => name.startsWith('flowers'))
    const lines = files.flatMap((name) =>
      readFileSync(join(logDir, name), 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
    )
    assert.equal(lines.length, 2 * WINDOW)
    for (const line of lines) {
      const record = JSON.parse(line) as { inputs: Record<string, number>; label?: string }
      assert.deepEqual(Object.keys(record.inputs), ['sepal_length', 'petal_length', 'petal_width'])
      assert.ok(record.label !== undefined)
      assert.doesNotMatch(line, /sepal_width|probabilities/)
    }
  })
})

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { labelledDataset, readCsvTable } from '../../src/training/csv-table.js'
import { splitTrainTest } from '../../src/training/split.js'
import { ALGORITHMS, trainTabular } from '../../src/training/tabular-trainer.js'
import { loadSession, runClassifier } from '../demo/run-onnx.js'
import { writeIrisCsv, writeMachinesCsv } from './datasets.js'

const dir = mkdtempSync(join(tmpdir(), 'portcullis-train-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const DATASETS = [
  { name: 'iris', path: () => writeIrisCsv(dir), target: 'species' },
  { name: 'machines', path: () => writeMachinesCsv(dir), target: 'machine' },
]

describe('trained ONNX models answer as the library does on the held-out rows', () => {
  for (const dataset of DATASETS) {
    for (const algorithm of ALGORITHMS) {
      it(`${algorithm} on ${dataset.name}`, async () => {
        const data = labelledDataset(await readCsvTable(dataset.path()), dataset.target, dataset.name)
        const { train, test } = splitTrainTest(data, 0.2, 42)
        const { classifier } = trainTabular(algorithm, train, dataset.name, 42)
        const session = await loadSession(classifier.onnx)
        const onnx = await runClassifier(session, test.features)
        assert.deepEqual(onnx.labels, classifier.predictLabels(test.features))
        await session.release()
      })
    }
  }
})

describe('the seeded split', () => {
  it('holds out the same rows for the same seed, and other rows for another', async () => {
    const data = labelledDataset(await readCsvTable(writeIrisCsv(dir)), 'species', 'iris')
    const first = splitTrainTest(data, 0.2, 1)
    assert.deepEqual(splitTrainTest(data, 0.2, 1).test.features, first.test.features)
    assert.notDeepEqual(splitTrainTest(data, 0.2, 2).test.features, first.test.features)
    assert.equal(first.test.labels.length, 30)
    assert.equal(first.train.labels.length, 120)
  })

  it('refuses a test size that leaves no rows on one side', async () => {
    const data = labelledDataset(await readCsvTable(writeIrisCsv(dir)), 'species', 'iris')
    assert.throws(() => splitTrainTest(data, 1, 1), RangeError)
    assert.throws(() => splitTrainTest(data, 0.001, 1), RangeError)
  })
})

describe('the CSV table', () => {
  it('refuses a target with a value per row as a regression target', () => {
    const rows = Array.from({ length: 60 }, (_, i) => [String(i), String(i * 1.5)])
    assert.throws(() => labelledDataset({ columns: ['x', 'price'], rows }, 'price', 'prices'), /too many classes for a classifier; for a numeric target use --task regression/)
  })

  it('refuses a target with one class', () => {
    assert.throws(
      () =>
        labelledDataset(
          {
            columns: ['x', 'y'],
            rows: [
              ['1', 'a'],
              ['2', 'a'],
            ],
          },
          'y',
          'one',
        ),
      /at least 2/,
    )
  })
})

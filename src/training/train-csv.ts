import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Document, isMap, isSeq, parse as parseYaml } from 'yaml'
import { columnRanges } from './column-ranges.js'
import { computeProfile, writeProfile } from '../drift/profile.js'
import { MODEL_NAME } from '../models/repository.js'
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics.js'
import { labelledDataset, readCsvTable } from './csv-table.js'
import { ensureDir, nextVersion, versionDir, writeFileAtomic } from './model-files.js'
import { splitTrainTest } from './split.js'
import { trainTabular, type Algorithm } from './tabular-trainer.js'

/** What `portcullis train` was asked to do. */
export interface TrainCsvOptions {
  input: string
  target: string
  model: string
  algorithm: Algorithm
  testSize: number
  seed: number
  /** The model repository the new version is written to. */
  out: string
}

/** What was written: the version and its metrics on the training and held-out rows. */
export interface TrainCsvReport {
  model: string
  version: number
  dir: string
  train: ClassificationMetrics
  test: ClassificationMetrics
}

/** Trains a classifier on a CSV and writes `<out>/<model>/<n>/model.onnx`, its profile.json, and `<out>/<model>/model.yaml`. */
export async function trainCsv(options: TrainCsvOptions): Promise<TrainCsvReport> {
  if (!MODEL_NAME.test(options.model)) throw new Error(`"${options.model}" is not a model name (letters, digits, _ . -, at most 64)`)
  const data = labelledDataset(await readCsvTable(options.input), options.target, options.model)
  const { train, test } = splitTrainTest(data, options.testSize, options.seed)
  const trained = trainTabular(options.algorithm, train, options.model, options.seed)
  const { classifier } = trained
  const labels = [...data.classNames]
  const trainPredicted = classifier.predictLabels(train.features)
  const metrics = {
    train: classificationMetrics(trainPredicted, train.labels, labels),
    test: classificationMetrics(classifier.predictLabels(test.features), test.labels, labels),
  }
  const ranges = columnRanges(train.features)
  const profile = computeProfile(
    data.featureNames,
    train.features,
    trainPredicted.map((i) => labels[i] ?? String(i)),
    labels,
  )

  const modelDir = join(options.out, options.model)
  const version = await nextVersion(modelDir)
  const dir = await ensureDir(versionDir(options.out, options.model, version))
  await writeFileAtomic(join(dir, 'model.onnx'), classifier.onnx)
  await writeProfile(join(dir, 'profile.json'), profile)
  const training = {
    dataset: options.input.split(/[\\/]/).pop() ?? options.input,
    version,
    target: options.target,
    algorithm: options.algorithm,
    library: trained.library,
    parameters: trained.parameters,
    split: { testSize: options.testSize, seed: options.seed, trainRows: train.labels.length, testRows: test.labels.length },
    observedRanges: Object.fromEntries(data.featureNames.map((name, i) => [name, [ranges[i]?.min ?? 0, ranges[i]?.max ?? 0]])),
    metrics,
  }
  const card = {
    description: `${options.algorithm} classifier of ${options.target}, trained on ${training.dataset}`,
    // The observed ranges are described, not enforced: min/max would refuse the very rows drift tracking is there to see.
    features: data.featureNames.map((name, i) => ({ name, description: `observed ${ranges[i]?.min ?? 0} to ${ranges[i]?.max ?? 0} in training` })),
    labels,
    outputs: { label: 'label', probabilities: 'probabilities' },
    training,
  }
  await writeFileAtomic(join(modelDir, 'model.yaml'), await renderCard(join(modelDir, 'model.yaml'), card))
  return { model: options.model, version, dir, ...metrics }
}

/** model.yaml with the trained keys replaced and every other key (roles, aliases, canary…) kept from the existing file. */
async function renderCard(path: string, card: Record<string, unknown>): Promise<string> {
  let existing: unknown = {}
  try {
    existing = parseYaml(await readFile(path, 'utf8')) ?? {}
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const kept = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? existing : {}
  const doc = new Document({ ...kept, ...card })
  const features = doc.get('features', true)
  if (isSeq(features)) for (const item of features.items) if (isMap(item)) item.flow = true
  return doc.toString({ lineWidth: 0 })
}

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Document, isMap, isSeq, parse as parseYaml } from 'yaml'
import { writeProfile } from '../drift/profile.js'
import { MODEL_NAME } from '../models/repository.js'
import { columnRanges } from './column-ranges.js'
import { readCsvTable } from './csv-table.js'
import { fitClassification, fitRegression, type FittedModel, type TaskMetrics } from './fit-tabular.js'
import { ensureDir, nextVersion, versionDir, writeFileAtomic } from './model-files.js'
import type { Algorithm, Task } from './tabular-trainer.js'

/** What `portcullis train` was asked to do. */
export interface TrainCsvOptions {
  input: string
  target: string
  model: string
  algorithm: Algorithm
  /** Classification unless told otherwise. */
  task?: Task
  testSize: number
  seed: number
  /** The model repository the new version is written to. */
  out: string
}

/** What was written: the version and its metrics on the training and held-out rows. */
export type TrainCsvReport = {
  model: string
  version: number
  dir: string
} & TaskMetrics

/** Trains a classifier or a regression on a CSV and writes `<out>/<model>/<n>/model.onnx`, its profile.json, and `<out>/<model>/model.yaml`. */
export async function trainCsv(options: TrainCsvOptions): Promise<TrainCsvReport> {
  if (!MODEL_NAME.test(options.model)) throw new Error(`"${options.model}" is not a model name (letters, digits, _ . -, at most 64)`)
  const table = await readCsvTable(options.input)
  const fitted = options.task === 'regression' ? fitRegression(table, options) : fitClassification(table, options)
  const modelDir = join(options.out, options.model)
  const version = await nextVersion(modelDir)
  const dir = await ensureDir(versionDir(options.out, options.model, version))
  await writeFileAtomic(join(dir, 'model.onnx'), fitted.onnx)
  await writeProfile(join(dir, 'profile.json'), fitted.profile)
  const card = modelCard(options, fitted, version)
  // A regression has no labels or output names; ones left from an earlier classifier of the same name would mislabel its values.
  const replaced = fitted.metrics.task === 'regression' ? ['labels', 'outputs'] : []
  await writeFileAtomic(join(modelDir, 'model.yaml'), await renderCard(join(modelDir, 'model.yaml'), card, replaced))
  return { model: options.model, version, dir, ...fitted.metrics }
}

/** The model.yaml keys a training run writes: description, features, output keys and the `training` record. */
function modelCard(options: TrainCsvOptions, fitted: FittedModel, version: number): Record<string, unknown> {
  const ranges = columnRanges(fitted.trainFeatures)
  const { task, ...metrics } = fitted.metrics
  const dataset = options.input.split(/[\\/]/).pop() ?? options.input
  const training = {
    task,
    dataset,
    version,
    target: options.target,
    algorithm: options.algorithm,
    library: fitted.library,
    parameters: fitted.parameters,
    split: { testSize: options.testSize, seed: options.seed, trainRows: fitted.trainFeatures.length, testRows: fitted.testRows },
    observedRanges: Object.fromEntries(fitted.featureNames.map((name, i) => [name, [ranges[i]?.min ?? 0, ranges[i]?.max ?? 0]])),
    output: fitted.output,
    metrics,
  }
  return {
    description: `${options.algorithm} ${task === 'regression' ? 'regression' : 'classifier'} of ${options.target}, trained on ${dataset}`,
    // The observed ranges are described, not enforced: min/max would refuse the very rows drift tracking is there to see.
    features: fitted.featureNames.map((name, i) => ({ name, description: `observed ${ranges[i]?.min ?? 0} to ${ranges[i]?.max ?? 0} in training` })),
    ...fitted.outputKeys,
    training,
  }
}

/** model.yaml with the trained keys replaced, the `dropped` keys removed, and every other key (roles, aliases, canary…) kept from the existing file. */
async function renderCard(path: string, card: Record<string, unknown>, dropped: readonly string[]): Promise<string> {
  let existing: unknown = {}
  try {
    existing = parseYaml(await readFile(path, 'utf8')) ?? {}
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const kept =
    typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? Object.fromEntries(Object.entries(existing).filter(([key]) => !dropped.includes(key))) : {}
  const doc = new Document({ ...kept, ...card })
  const features = doc.get('features', true)
  if (isSeq(features)) for (const item of features.items) if (isMap(item)) item.flow = true
  return doc.toString({ lineWidth: 0 })
}

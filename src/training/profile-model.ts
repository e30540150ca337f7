import { join } from 'node:path'
import ort from 'onnxruntime-node'
import { computeProfile, computeRegressionProfile, writeProfile, type ReferenceProfile } from '../drift/profile.js'
import { readModelMetadata } from '../models/metadata.js'
import { MODEL_NAME } from '../models/repository.js'
import { numericColumns, readCsvTable } from './csv-table.js'
import { nextVersion } from './model-files.js'

/** What `portcullis models profile` was asked to do. */
export interface ProfileModelOptions {
  modelsDir: string
  model: string
  /** The version to profile; the highest on disk when omitted. */
  version?: string
  input: string
}

/** Where the profile went and what it holds. */
export interface ProfileModelReport {
  path: string
  profile: ReferenceProfile
}

/** Runs a model on reference rows and stores their profile as `<models>/<model>/<version>/profile.json`. */
export async function profileModel(options: ProfileModelOptions): Promise<ProfileModelReport> {
  if (!MODEL_NAME.test(options.model)) throw new Error(`"${options.model}" is not a model name`)
  const modelDir = join(options.modelsDir, options.model)
  const metadata = await readModelMetadata(join(modelDir, 'model.yaml'))
  const featureNames = metadata.features?.map((feature) => feature.name)
  if (featureNames === undefined) throw new Error(`model.yaml of "${options.model}" lists no features, so CSV columns cannot be matched to inputs`)
  if (options.version !== undefined && !/^[1-9]\d*$/.test(options.version)) throw new Error(`--version must be a version number, got "${options.version}"`)
  const version = options.version ?? String((await nextVersion(modelDir)) - 1)
  const dir = join(modelDir, version)
  const rows = numericColumns(await readCsvTable(options.input), featureNames)
  const predicted = await predictRows(join(dir, 'model.onnx'), rows, metadata.outputs?.label ?? 'label', metadata.labels === undefined)
  let profile: ReferenceProfile
  if (predicted.kind === 'values') {
    profile = computeRegressionProfile(featureNames, rows, predicted.values)
  } else {
    const labels = metadata.labels ?? [...new Set(predicted.classes)].sort((a, b) => a - b).map(String)
    profile = computeProfile(
      featureNames,
      rows,
      predicted.classes.map((index) => labels[index] ?? String(index)),
      labels,
    )
  }
  const path = join(dir, 'profile.json')
  await writeProfile(path, profile)
  return { path, profile }
}

/** What a model predicts for reference rows: class indexes, or one value per row from a regression. */
type Predicted = { kind: 'classes'; classes: number[] } | { kind: 'values'; values: number[] }

/**
 * Runs the model on the rows. A label output gives class indexes; a model with neither that output
 * nor labels in model.yaml is read as the gateway reads it: one value per row from its first output.
 */
async function predictRows(modelPath: string, rows: readonly (readonly number[])[], labelOutput: string, unlabelled: boolean): Promise<Predicted> {
  const session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3 })
  try {
    const input = session.inputNames[0]
    if (input === undefined) throw new Error('the model has no input')
    const width = rows[0]?.length ?? 0
    const result = await session.run({ [input]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]) })
    const label = result[labelOutput]
    if (label !== undefined) return { kind: 'classes', classes: Array.from(label.data as ArrayLike<number | bigint>, Number) }
    const first = result[session.outputNames[0] ?? '']
    if (unlabelled && first !== undefined && first.data.length === rows.length) return { kind: 'values', values: Array.from(first.data as ArrayLike<number | bigint>, Number) }
    throw new Error(`the model has no output "${labelOutput}" to read predicted classes from, nor a single value per row`)
  } finally {
    await session.release()
  }
}

import ort from 'onnxruntime-node'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { Metrics } from '../observability/metrics.js'
import type { FeatureRows } from './input-schema.js'
import { argMax, planOutputs, tensorRows, type OutputPlan } from './outputs.js'
import type { Prediction } from './prediction.js'
import type { Tensors } from './tensors.js'

/** What a row answer holds besides the version: one entry per row, and probabilities when the model has them. */
export type RowAnswer = Pick<Prediction, 'predictions' | 'probabilities'>

const plans = new WeakMap<LoadedVersion, OutputPlan>()
// Keyed by the outputs object: a cached answer is shaped once, however often it is served.
const shaped = new WeakMap<Tensors, RowAnswer>()

/** The feeds of validated rows: one [rows, features] tensor, float64 for a float64 input and float32 otherwise. */
export function rowFeeds(version: LoadedVersion, rows: FeatureRows): Tensors {
  const input = version.inputs[0]
  if (input === undefined) throw new Error(`model ${version.model} has no input`)
  const width = version.featureCount
  const float64 = input.dtype === 'float64'
  const data = float64 ? new Float64Array(rows.length * width) : new Float32Array(rows.length * width)
  rows.forEach((row, index) => data.set(row, index * width))
  return { [input.name]: new ort.Tensor(float64 ? 'float64' : 'float32', data, [rows.length, width]) }
}

/** The v1 answer of a version's outputs: labels (or raw values) per row, and the probabilities. */
export function rowPrediction(version: LoadedVersion, outputs: Tensors): Prediction {
  const answer = rowAnswer(version, outputs)
  return { model: version.model, version: version.version, predictions: answer.predictions, ...(answer.probabilities ? { probabilities: answer.probabilities } : {}) }
}

/** Labels (or raw values) per row, and the probabilities, of a version's outputs; shaped once per outputs object. */
export function rowAnswer(version: LoadedVersion, outputs: Tensors): RowAnswer {
  let answer = shaped.get(outputs)
  if (answer === undefined) {
    answer = shape(version, outputs)
    shaped.set(outputs, answer)
  }
  return answer
}

/**
 * Counts predicted rows by label and their top-class probability. Only labels from the model's
 * own set become label values (design.md, invariant 6); a model without labels counts nothing.
 */
export function countPredictions(metrics: Metrics, version: LoadedVersion, outputs: Tensors): void {
  const labels = version.metadata.labels
  if (labels === undefined) return
  const answer = rowAnswer(version, outputs)
  answer.predictions.forEach((label, row) => {
    if (typeof label === 'string' && labels.includes(label)) metrics.predictions.labels(version.model, version.version, label).inc()
    const top = answer.probabilities?.[row]
    if (top !== undefined) metrics.predictionConfidence.labels(version.model).observe(Math.max(...top))
  })
}

function shape(version: LoadedVersion, outputs: Tensors): RowAnswer {
  const plan = planOf(version)
  const labels = version.metadata.labels
  const probabilityTensor = plan.probabilities === undefined ? undefined : outputs[plan.probabilities]
  const labelTensor = plan.label === undefined ? undefined : outputs[plan.label]
  const first = outputs[version.outputs[0]?.name ?? '']
  const count = (labelTensor ?? probabilityTensor ?? first)?.dims[0] ?? 0
  const probabilities = probabilityTensor === undefined ? undefined : tensorRows(probabilityTensor, count)
  let predictions: Prediction['predictions']
  if (labelTensor !== undefined) {
    predictions = Array.from({ length: count }, (_, row) => labelOf(labelTensor.data[row], labels))
  } else if (probabilities !== undefined) {
    predictions = probabilities.map((row) => labelOf(argMax(row), labels))
  } else if (first !== undefined) {
    predictions = tensorRows(first, count).map((row) => (row.length === 1 ? (row[0] ?? NaN) : row))
  } else {
    throw new Error(`model ${version.model} returned no tensor output`)
  }
  return { predictions, ...(probabilities ? { probabilities } : {}) }
}

function planOf(version: LoadedVersion): OutputPlan {
  let plan = plans.get(version)
  if (plan === undefined) {
    plan = planOutputs(version)
    plans.set(version, plan)
  }
  return plan
}

function labelOf(value: unknown, labels: readonly string[] | undefined): string | number {
  if (typeof value === 'string') return value
  const index = Number(value)
  return labels?.[index] ?? index
}

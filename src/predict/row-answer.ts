import ort from 'onnxruntime-node'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { Metrics } from '../observability/metrics.js'
import type { FeatureRows } from './input-schema.js'
import { fromFloat32, planOutputs, tensorRows, type OutputPlan } from './outputs.js'
import type { Prediction } from './prediction.js'
import type { Tensors } from './tensors.js'

/** What a row answer holds besides the version: one entry per row, and probabilities when the model has them. */
export type RowAnswer = Pick<Prediction, 'predictions' | 'probabilities'>

/** A row answer in columns, for doors that take rows in bulk: no array per row. */
export interface AnswerColumns {
  predictions: Prediction['predictions']
  /** Row-major [rows × classes], rounded as the JSON answer prints them; absent without a probability output. */
  probabilities?: Float64Array
  /** Probabilities per row (0 without them). */
  classes: number
}

const plans = new WeakMap<LoadedVersion, OutputPlan>()
// Keyed by the outputs object: a cached answer is shaped once, however often it is served.
const columnsOf = new WeakMap<Tensors, AnswerColumns>()
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
    const { predictions, probabilities, classes } = answerColumns(version, outputs)
    answer =
      probabilities === undefined
        ? { predictions }
        : { predictions, probabilities: Array.from({ length: predictions.length }, (_, row) => Array.from(probabilities.subarray(row * classes, (row + 1) * classes))) }
    shaped.set(outputs, answer)
  }
  return answer
}

/** Labels (or raw values) per row and the probabilities in one array, of a version's outputs; shaped once per outputs object. */
export function answerColumns(version: LoadedVersion, outputs: Tensors): AnswerColumns {
  let columns = columnsOf.get(outputs)
  if (columns === undefined) {
    columns = shape(version, outputs)
    columnsOf.set(outputs, columns)
  }
  return columns
}

/**
 * Counts predicted rows by label and their top-class probability. Only labels from the model's
 * own set become label values (design.md, invariant 6); a model without labels counts nothing.
 */
export function countPredictions(metrics: Metrics, version: LoadedVersion, outputs: Tensors): void {
  const labels = version.metadata.labels
  if (labels === undefined) return
  const { predictions, probabilities, classes } = answerColumns(version, outputs)
  const counts = new Map<string, number>()
  for (const label of predictions) if (typeof label === 'string' && labels.includes(label)) counts.set(label, (counts.get(label) ?? 0) + 1)
  for (const [label, count] of counts) metrics.predictions.labels(version.model, version.version, label).inc(count)
  if (probabilities === undefined) return
  const confidence = metrics.predictionConfidence.labels(version.model)
  for (let row = 0; row < predictions.length; row += 1) {
    let top = -Infinity
    for (let column = row * classes; column < (row + 1) * classes; column += 1) top = Math.max(top, probabilities[column] ?? -Infinity)
    confidence.observe(top)
  }
}

function shape(version: LoadedVersion, outputs: Tensors): AnswerColumns {
  const plan = planOf(version)
  const labels = version.metadata.labels
  const probabilityTensor = plan.probabilities === undefined ? undefined : outputs[plan.probabilities]
  const labelTensor = plan.label === undefined ? undefined : outputs[plan.label]
  const first = outputs[version.outputs[0]?.name ?? '']
  const count = (labelTensor ?? probabilityTensor ?? first)?.dims[0] ?? 0
  const probabilities = probabilityTensor === undefined ? undefined : flatNumbers(probabilityTensor)
  const classes = probabilities === undefined || count === 0 ? 0 : probabilities.length / count
  let predictions: Prediction['predictions']
  if (labelTensor !== undefined) {
    predictions = Array.from({ length: count }, (_, row) => labelOf(labelTensor.data[row], labels))
  } else if (probabilities !== undefined) {
    predictions = Array.from({ length: count }, (_, row) => labelOf(argMaxAt(probabilities, row * classes, classes), labels))
  } else if (first !== undefined) {
    predictions = tensorRows(first, count).map((row) => (row.length === 1 ? (row[0] ?? NaN) : row))
  } else {
    throw new Error(`model ${version.model} returned no tensor output`)
  }
  return { predictions, classes, ...(probabilities ? { probabilities } : {}) }
}

/** A numeric tensor's values as doubles, float32 ones rounded as the API prints them. */
function flatNumbers(tensor: Tensors[string]): Float64Array {
  const data = tensor.data as ArrayLike<number | bigint>
  const numbers = new Float64Array(data.length)
  const float32 = tensor.type === 'float32'
  for (let index = 0; index < data.length; index += 1) numbers[index] = float32 ? fromFloat32(data[index]) : Number(data[index])
  return numbers
}

/** Index (0 … width-1) of the largest of `width` values from `start`. */
function argMaxAt(values: Float64Array, start: number, width: number): number {
  let best = 0
  for (let index = 1; index < width; index += 1) if ((values[start + index] ?? -Infinity) > (values[start + best] ?? -Infinity)) best = index
  return best
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

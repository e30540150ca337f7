import { endianness } from 'node:os'
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

/** The outputs of one answer that a row answer is read from. */
interface AnswerTensors {
  count: number
  labels: readonly string[] | undefined
  label?: ort.Tensor
  probabilities?: ort.Tensor
  first?: ort.Tensor
}

const plans = new WeakMap<LoadedVersion, OutputPlan>()
// Keyed by the outputs object of a cached answer, so a hot answer is shaped once however often it
// is served; answers computed for one request are shaped once anyway and never enter it.
const cachedPredictions = new WeakMap<Tensors, Prediction>()

/** The feeds of validated rows: one [rows, features] tensor, float64 for a float64 input and float32 otherwise. */
export function rowFeeds(version: LoadedVersion, rows: FeatureRows): Tensors {
  const input = version.inputs[0]
  if (input === undefined) throw new Error(`model ${version.model} has no input`)
  const width = version.featureCount
  const float64 = input.dtype === 'float64'
  const length = rows.length * width
  // Node's Buffer pool hands out small slices of one shared 8 KiB slab, 8-byte aligned, so a
  // one-row request does not allocate a backing store of its own (a typed array over 64 bytes
  // does, and that cost dominated this step). Every element is written below.
  const bytes = Buffer.allocUnsafe(length * (float64 ? 8 : 4))
  const data = float64 ? new Float64Array(bytes.buffer, bytes.byteOffset, length) : new Float32Array(bytes.buffer, bytes.byteOffset, length)
  let at = 0
  // An indexed loop: TypedArray#set from a JSON-parsed array measured several times slower in the server.
  for (const values of rows) for (let column = 0; column < width; column += 1) data[at++] = values[column] as number
  return { [input.name]: new ort.Tensor(float64 ? 'float64' : 'float32', data, [rows.length, width]) }
}

/** The v1 answer of a version's outputs: labels (or raw values) per row, and the probabilities. */
export function rowPrediction(version: LoadedVersion, outputs: Tensors): Prediction {
  const answer = rowAnswer(version, outputs)
  return { model: version.model, version: version.version, predictions: answer.predictions, ...(answer.probabilities ? { probabilities: answer.probabilities } : {}) }
}

/** rowPrediction for an answer the prediction cache holds: shaped on its first hit, then remembered with it. */
export function cachedRowPrediction(version: LoadedVersion, outputs: Tensors): Prediction {
  let prediction = cachedPredictions.get(outputs)
  if (prediction === undefined) {
    prediction = rowPrediction(version, outputs)
    cachedPredictions.set(outputs, prediction)
  }
  return prediction
}

/** Labels (or raw values) per row, and the probabilities as one array per row, of a version's outputs. */
export function rowAnswer(version: LoadedVersion, outputs: Tensors): RowAnswer {
  const tensors = answerTensors(version, outputs)
  const probabilities = tensors.probabilities === undefined ? undefined : tensorRows(tensors.probabilities, tensors.count)
  const predictions = predictionsOf(version, tensors)
  return probabilities === undefined ? { predictions } : { predictions, probabilities }
}

/** Labels (or raw values) per row and the probabilities in one array, of a version's outputs. */
export function answerColumns(version: LoadedVersion, outputs: Tensors): AnswerColumns {
  const tensors = answerTensors(version, outputs)
  const probabilities = tensors.probabilities === undefined ? undefined : flatNumbers(tensors.probabilities)
  const classes = probabilities === undefined || tensors.count === 0 ? 0 : probabilities.length / tensors.count
  return { predictions: predictionsOf(version, tensors), classes, ...(probabilities ? { probabilities } : {}) }
}

/** The prediction metrics' series of one version, looked up once: a counter per label, by label index, and the confidence histogram. */
interface PredictionSeries {
  byLabel: readonly { inc(value?: number): void }[]
  confidence: { observe(value: number): void }
}

const predictionSeries = new WeakMap<Metrics, WeakMap<LoadedVersion, PredictionSeries>>()

/**
 * Counts predicted rows by label and their top-class probability, read straight from the output
 * tensors. Only labels from the model's own set become label values (design.md, invariant 6); a
 * model without labels counts nothing.
 */
export function countPredictions(metrics: Metrics, version: LoadedVersion, outputs: Tensors): void {
  const tensors = answerTensors(version, outputs)
  const { count, labels } = tensors
  if (labels === undefined) return
  const { byLabel, confidence } = seriesOf(metrics, version, labels)
  const probabilities = tensors.probabilities?.data as ArrayLike<number> | undefined
  const classes = probabilities === undefined || count === 0 ? 0 : probabilities.length / count
  const printed = tensors.probabilities?.type === 'float32' ? fromFloat32 : Number
  const labelData = tensors.label?.data
  const labelWords = labelData === undefined ? undefined : int64Words(labelData)
  for (let row = 0; row < count; row += 1) {
    const top = probabilities === undefined ? -1 : argMaxAt(probabilities, row * classes, classes)
    const label = labelData === undefined ? labelOf(top, labels) : labelOf(labelAt(labelData, labelWords, row), labels)
    if (typeof label === 'string') byLabel[labels.indexOf(label)]?.inc()
    if (probabilities !== undefined) confidence.observe(printed(probabilities[row * classes + top]))
  }
}

function seriesOf(metrics: Metrics, version: LoadedVersion, labels: readonly string[]): PredictionSeries {
  let byVersion = predictionSeries.get(metrics)
  if (byVersion === undefined) {
    byVersion = new WeakMap()
    predictionSeries.set(metrics, byVersion)
  }
  let series = byVersion.get(version)
  if (series === undefined) {
    series = { byLabel: labels.map((label) => metrics.predictions.labels(version.model, version.version, label)), confidence: metrics.predictionConfidence.labels(version.model) }
    byVersion.set(version, series)
  }
  return series
}

function answerTensors(version: LoadedVersion, outputs: Tensors): AnswerTensors {
  const plan = planOf(version)
  const label = plan.label === undefined ? undefined : outputs[plan.label]
  const probabilities = plan.probabilities === undefined ? undefined : outputs[plan.probabilities]
  const first = outputs[version.outputs[0]?.name ?? '']
  const count = (label ?? probabilities ?? first)?.dims[0] ?? 0
  return { count, labels: version.metadata.labels, label, probabilities, first }
}

/** Each row's label: the label output, else the most probable class, else the first output's values. */
function predictionsOf(version: LoadedVersion, tensors: AnswerTensors): Prediction['predictions'] {
  const { count, labels } = tensors
  if (tensors.label !== undefined) return labelColumn(tensors.label, count, labels)
  if (tensors.probabilities !== undefined) return topClasses(tensors.probabilities, count, labels)
  return rawPredictions(version, tensors)
}

function labelColumn(tensor: ort.Tensor, count: number, labels: readonly string[] | undefined): Prediction['predictions'] {
  const data = tensor.data
  const words = int64Words(data)
  const predictions: (string | number)[] = []
  for (let row = 0; row < count; row += 1) predictions.push(labelOf(labelAt(data, words, row), labels))
  return predictions
}

// Reading a BigInt64Array element makes a BigInt on the heap: a million int64 labels (what
// scikit-learn classifiers output) made 50 MB of garbage. A label that fits in 32 bits is read
// from a 32-bit view of the same memory instead, on little-endian machines (x64, arm64).
const LITTLE_ENDIAN = endianness() === 'LE'

/** A 32-bit view of an int64 tensor's memory, two words per value; undefined for any other tensor. */
function int64Words(data: ort.Tensor['data']): Int32Array | undefined {
  return LITTLE_ENDIAN && data instanceof BigInt64Array ? new Int32Array(data.buffer, data.byteOffset, data.length * 2) : undefined
}

/** Row `row` of a label tensor: from `words` (int64Words) as a number when it fits in 32 bits, else the element itself. */
function labelAt(data: ort.Tensor['data'], words: Int32Array | undefined, row: number): unknown {
  if (words !== undefined) {
    const low = words[row * 2] ?? 0
    // The high word of an int64 that fits in 32 bits is the sign of the low one.
    if ((words[row * 2 + 1] ?? 0) === low >> 31) return low
  }
  return data[row]
}

/** The label of each row's most probable class, by the model's own (unrounded) probabilities. */
function topClasses(tensor: ort.Tensor, count: number, labels: readonly string[] | undefined): Prediction['predictions'] {
  const data = tensor.data as ArrayLike<number>
  const classes = count === 0 ? 0 : data.length / count
  return Array.from({ length: count }, (_, row) => labelOf(argMaxAt(data, row * classes, classes), labels))
}

/** The first output's values per row, for a version with neither a label nor a probability output. */
function rawPredictions(version: LoadedVersion, { first, count }: AnswerTensors): Prediction['predictions'] {
  if (first === undefined) throw new Error(`model ${version.model} returned no tensor output`)
  return tensorRows(first, count).map((row) => (row.length === 1 ? (row[0] ?? NaN) : row))
}

/** A numeric tensor's values as doubles, float32 ones rounded as the API prints them. */
function flatNumbers(tensor: ort.Tensor): Float64Array {
  const data = tensor.data as ArrayLike<number | bigint>
  const numbers = new Float64Array(data.length)
  const float32 = tensor.type === 'float32'
  for (let index = 0; index < data.length; index += 1) numbers[index] = float32 ? fromFloat32(data[index]) : Number(data[index])
  return numbers
}

/** Index (0 … width-1) of the largest of `width` values from `start`. */
function argMaxAt(values: ArrayLike<number>, start: number, width: number): number {
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

import * as ort from 'onnxruntime-node'

/** Labels and class probabilities a classifier model returned for a batch of rows. */
export interface ClassifierRun {
  labels: number[]
  probabilities: number[][]
}

/** Loads an ONNX model from bytes or a file path. */
export function loadSession(model: Uint8Array | string): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model) : ort.InferenceSession.create(model)
}

/** A float32 [rows, columns] tensor. */
export function floatBatch(rows: readonly (readonly number[])[]): ort.Tensor {
  const columns = rows[0]?.length ?? 0
  return new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, columns])
}

/** Splits a flat float output into rows of the given width. */
export function toRows(data: ArrayLike<number>, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, i) => Array.from({ length: width }, (_, j) => data[i * width + j] ?? Number.NaN))
}

/** Runs a classifier (input → label, probabilities) on rows. */
export async function runClassifier(session: ort.InferenceSession, rows: readonly (readonly number[])[]): Promise<ClassifierRun> {
  const result = await session.run({ input: floatBatch(rows) })
  const label = result.label
  const probabilities = result.probabilities
  if (label === undefined || probabilities === undefined) throw new Error('model lacks label or probabilities output')
  if (!(label.data instanceof BigInt64Array) || !(probabilities.data instanceof Float32Array)) {
    throw new Error(`unexpected output types ${label.type}, ${probabilities.type}`)
  }
  const width = probabilities.dims[1] ?? 0
  return { labels: Array.from(label.data, Number), probabilities: toRows(probabilities.data, width) }
}

/** Largest absolute difference between two equally shaped tables. */
export function maxAbsDifference(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  let largest = 0
  a.forEach((row, i) =>
    row.forEach((value, j) => {
      largest = Math.max(largest, Math.abs(value - (b[i]?.[j] ?? Number.NaN)))
    }),
  )
  return Number.isNaN(largest) ? Infinity : largest
}

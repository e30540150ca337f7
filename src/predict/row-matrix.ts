import ort from 'onnxruntime-node'
import { ApiError } from '../errors/api-error.js'
import { assertRowApi, type LoadedVersion } from '../models/loaded-version.js'
import { checkRange, featureBounds, type FeatureRows } from './input-schema.js'
import type { Tensors } from './tensors.js'

/**
 * Rows of numbers in the model's feature order, row-major in one array, as a door that reads rows
 * in bulk (files) has them: no array per row. Missing values have no place here; such rows go
 * through the predict body instead.
 */
export interface RowMatrix {
  values: Float64Array
  rows: number
}

/**
 * The feeds of a row matrix, after the checks the predict body's validator makes of plain number
 * rows: the row count within `maxRows`, every value finite and within its feature's range (the
 * same messages). Throws ApiError('invalid_input').
 */
export function matrixFeeds(version: LoadedVersion, matrix: RowMatrix, maxRows: number): Tensors {
  assertRowApi(version)
  const { values, rows } = matrix
  if (rows < 1) throw new ApiError('invalid_input', '/inputs: inputs must hold at least one row', { details: [{ path: '/inputs' }] })
  if (rows > maxRows) throw new ApiError('invalid_input', `/inputs: at most ${maxRows} rows per request`, { details: [{ path: '/inputs' }] })
  const width = version.featureCount
  if (values.length !== rows * width) throw new ApiError('invalid_input', `expected ${rows} rows of ${width} values, got ${values.length} values`)
  const features = version.metadata.features
  const { min, max } = featureBounds(version)
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] ?? NaN
    const column = index % width
    // Comparisons are false for NaN, so a non-finite value fails here as well.
    if (value >= (min[column] ?? -Infinity) && value <= (max[column] ?? Infinity) && Number.isFinite(value)) continue
    const row = Math.floor(index / width)
    checkRange(value, features?.[column], row, features?.[column]?.name ?? `column ${column}`)
  }
  const input = version.inputs[0]
  if (input === undefined) throw new Error(`model ${version.model} has no input`)
  const float64 = input.dtype === 'float64'
  return { [input.name]: new ort.Tensor(float64 ? 'float64' : 'float32', float64 ? values : Float32Array.from(values), [rows, width]) }
}

/** A row matrix as one array per row, for the parts that keep rows (drift, payload log). */
export function matrixRows(matrix: RowMatrix): FeatureRows {
  const width = matrix.rows === 0 ? 0 : matrix.values.length / matrix.rows
  return Array.from({ length: matrix.rows }, (_, row) => Array.from(matrix.values.subarray(row * width, (row + 1) * width)))
}

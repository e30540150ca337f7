import ort from 'onnxruntime-node'
import type { LoadedVersion } from '../models/loaded-version.js'
import { oipDatatype } from '../models/tensor-io.js'

/** Named tensors: the feeds of one request, or the outputs of one answer. Never mutated once built. */
export type Tensors = Readonly<Record<string, ort.Tensor>>

/** The outputs the core fetches from a version: every tensor output, so any door can read any of them. */
export function tensorOutputs(version: LoadedVersion): string[] {
  return version.outputs.filter((output) => oipDatatype(output.dtype) !== undefined).map((output) => output.name)
}

/**
 * The batch dimension of a request's feeds: the first dimension every input shares, or undefined
 * when the inputs disagree on it (or there are none), so the request cannot be cut apart by row.
 */
export function batchRows(feeds: Tensors): number | undefined {
  let rows: number | undefined
  for (const tensor of Object.values(feeds)) {
    const first = tensor.dims[0]
    if (first === undefined || (rows !== undefined && first !== rows)) return undefined
    rows = first
  }
  return rows
}

/** The dimensions after the batch dimension of every input, as one string: requests merge only when theirs agree. */
export function rowShapeKey(feeds: Tensors): string {
  const names = Object.keys(feeds)
  if (names.length > 1) names.sort()
  // Built by appending: this runs once per request, and an array per input would be garbage.
  let key = ''
  for (const name of names) {
    const tensor = feeds[name] as ort.Tensor
    key += `${name}:${tensor.type}:`
    for (let dim = 1; dim < tensor.dims.length; dim += 1) key += dim === 1 ? `${tensor.dims[dim]}` : `x${tensor.dims[dim]}`
    key += ';'
  }
  return key
}

/** Joins the feeds of several requests along the batch dimension, input by input. */
export function concatRows(parts: readonly Tensors[]): Tensors {
  const first = parts[0]
  if (first === undefined) return {}
  if (parts.length === 1) return first
  const joined: Record<string, ort.Tensor> = {}
  for (const [name, model] of Object.entries(first)) {
    const pieces = parts.map((part) => part[name] ?? missing(name))
    const rows = pieces.reduce((total, piece) => total + (piece.dims[0] ?? 0), 0)
    joined[name] = new ort.Tensor(model.type, joinData(pieces.map((piece) => piece.data)), [rows, ...model.dims.slice(1)])
  }
  return joined
}

/** One request's rows, `count` from `start`, out of a batch's outputs. */
export function sliceRows(outputs: Tensors, start: number, count: number): Tensors {
  const sliced: Record<string, ort.Tensor> = {}
  for (const [name, tensor] of Object.entries(outputs)) {
    const rows = tensor.dims[0] ?? 0
    const width = rows === 0 ? 0 : tensor.data.length / rows
    // A copy, not a view: a cached answer must not hold the whole batch's buffer alive.
    const data = tensor.data.slice(start * width, (start + count) * width)
    sliced[name] = new ort.Tensor(tensor.type, data as ort.Tensor.DataType, [count, ...tensor.dims.slice(1)])
  }
  return sliced
}

/** True when every output of a version can be cut by row: its first dimension is the dynamic batch dimension. */
export function outputsByRow(version: LoadedVersion, names: readonly string[]): boolean {
  return names.every((name) => version.outputs.find((output) => output.name === name)?.shape[0] === -1)
}

/** True when every input of a version takes a dynamic first (batch) dimension. */
export function inputsByRow(version: LoadedVersion): boolean {
  return version.inputs.length > 0 && version.inputs.every((input) => input.shape[0] === -1)
}

function joinData(pieces: readonly ort.Tensor.DataType[]): ort.Tensor.DataType {
  const first = pieces[0]
  if (Array.isArray(first)) return pieces.flatMap((piece) => piece as string[])
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0)
  // Every piece has the first's element type (requests merge only when rowShapeKey, which holds
  // the types, agrees), so one typed array of that type takes them all; set() is typed as for
  // float32 here only because TypeScript has no common type for every typed array's set().
  const TypedArray = (first as Float32Array).constructor as new (length: number) => Float32Array
  const joined = new TypedArray(total)
  let offset = 0
  for (const piece of pieces) {
    joined.set(piece as Float32Array, offset)
    offset += piece.length
  }
  return joined
}

function missing(name: string): never {
  throw new Error(`a batched request lacks input ${name}`)
}

import { z } from 'zod'
import { ApiError } from '../errors/api-error.js'
import type { LoadedVersion } from '../models/loaded-version.js'
import { oipDatatype, type TensorSpec } from '../models/tensor-io.js'

const parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))

const requestInput = z.strictObject({
  name: z.string().min(1).max(256),
  shape: z.array(z.number().int().positive('dimensions must be positive integers')).max(16),
  datatype: z.string().min(1).max(16),
  parameters: parameters.optional(),
  data: z.array(z.unknown(), 'data must be a JSON array (binary tensor data is not supported)'),
})

/** The inference request of the Open Inference Protocol (kserve predict-api v2, "Inference Request JSON Object"). */
export const inferRequestSchema = z.strictObject({
  id: z.string().max(256).optional(),
  parameters: parameters.optional(),
  inputs: z.array(requestInput).min(1, 'inputs must hold at least one tensor'),
  outputs: z.array(z.strictObject({ name: z.string().min(1).max(256), parameters: parameters.optional() })).optional(),
})

/** One element of a tensor as JSON carries it. */
export type TensorValue = number | boolean | string

/** One input tensor checked against the session: flat row-major values of the session's dtype. */
export interface CheckedTensor {
  name: string
  /** ONNX Runtime element type. */
  dtype: string
  shape: number[]
  values: TensorValue[]
}

/** A validated inference request, ready for the session. */
export interface TensorRequest {
  id?: string
  inputs: CheckedTensor[]
  /** Output names to return, in answer order. */
  outputs: string[]
}

/** Limits the tensor validator applies. */
export interface TensorLimits {
  /** Largest first (batch) dimension, as `limits.maxRows` for v1 rows. */
  maxRows: number
}

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
}

const FLOAT32_MAX = 3.4028234663852886e38

/**
 * Checks an inference request against the version's session inputs and outputs: every input
 * present once, by name, with the session's datatype, rank and fixed dimensions, and data that
 * fills the shape (flat or nested). Float inputs follow the model's NaN policy for `null`; a row
 * model's inputs also get model.yaml's per-feature ranges, as on the v1 route.
 */
export function checkInferRequest(version: LoadedVersion, body: unknown, limits: TensorLimits): TensorRequest {
  const parsed = inferRequestSchema.safeParse(body)
  if (!parsed.success) throw fromZod(parsed.error)
  const request = parsed.data
  const seen = new Set<string>()
  const inputs = request.inputs.map((input) => {
    const spec = version.inputs.find((candidate) => candidate.name === input.name)
    if (spec === undefined) throw invalid(`unknown input "${input.name}"; model "${version.model}" takes ${names(version.inputs)}`)
    if (seen.has(input.name)) throw invalid(`input "${input.name}" is given twice`)
    seen.add(input.name)
    return checkTensor(version, spec, input, limits)
  })
  const missing = version.inputs.find((spec) => !seen.has(spec.name))
  if (missing !== undefined) throw invalid(`missing input "${missing.name}"; model "${version.model}" takes ${names(version.inputs)}`)
  const outputs = selectOutputs(version, request.outputs?.map((output) => output.name) ?? [])
  return { ...(request.id === undefined ? {} : { id: request.id }), inputs, outputs }
}

function checkTensor(version: LoadedVersion, spec: TensorSpec, input: z.infer<typeof requestInput>, limits: TensorLimits): CheckedTensor {
  const where = `input "${input.name}"`
  const expected = oipDatatype(spec.dtype)
  if (expected === undefined) throw invalid(`${where} is not a tensor, which this protocol cannot send`)
  if (input.datatype !== expected) throw invalid(`${where}: datatype ${input.datatype} does not match the model's ${expected}`)
  if (expected === 'FP16') throw invalid(`${where}: FP16 data cannot be sent as JSON numbers`)
  if (input.shape.length !== spec.shape.length) {
    throw invalid(`${where}: shape [${input.shape.join(', ')}] has rank ${input.shape.length}; the model takes [${spec.shape.join(', ')}]`)
  }
  spec.shape.forEach((dim, axis) => {
    if (dim > 0 && input.shape[axis] !== dim) throw invalid(`${where}: dimension ${axis} is ${input.shape[axis]}; the model takes [${spec.shape.join(', ')}]`)
  })
  if (spec.shape[0] === -1 && (input.shape[0] ?? 0) > limits.maxRows) throw invalid(`${where}: at most ${limits.maxRows} rows per request`)
  const flat = flatten(input.data, input.shape, where)
  const values = flat.map((value, index) => checkValue(version, spec, value, index, where))
  return { name: input.name, dtype: spec.dtype, shape: input.shape, values }
}

/** Tensor data in its natural nested form or flattened (kserve predict-api v2, "Tensor Data"). */
function flatten(data: unknown[], shape: number[], where: string): unknown[] {
  const count = shape.reduce((product, dim) => product * dim, 1)
  if (!data.some(Array.isArray)) {
    if (data.length !== count) throw invalid(`${where}: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`)
    return data
  }
  const flat: unknown[] = []
  const walk = (node: unknown, depth: number): void => {
    if (!Array.isArray(node) || node.length !== shape[depth]) throw invalid(`${where}: nested data does not match shape [${shape.join(', ')}]`)
    for (const child of node) {
      if (depth + 1 < shape.length) walk(child, depth + 1)
      else flat.push(child)
    }
  }
  walk(data, 0)
  return flat
}

function checkValue(version: LoadedVersion, spec: TensorSpec, value: unknown, index: number, where: string): TensorValue {
  const at = `${where}[${index}]`
  switch (spec.dtype) {
    case 'bool':
      if (typeof value !== 'boolean') throw invalid(`${at}: expected true or false`)
      return value
    case 'string':
      if (typeof value !== 'string') throw invalid(`${at}: expected a string (BYTES)`)
      return value
    case 'float32':
    case 'float64':
      return checkFloat(version, spec, value, index, at)
    default: {
      const range = INTEGER_RANGES[spec.dtype]
      if (range === undefined) throw invalid(`${where}: element type ${spec.dtype} is not supported`)
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`${at}: expected an integer`)
      if (value < range[0] || value > range[1]) throw invalid(`${at}: ${value} is outside the range of ${oipDatatype(spec.dtype) ?? spec.dtype}`)
      return value
    }
  }
}

function checkFloat(version: LoadedVersion, spec: TensorSpec, value: unknown, index: number, at: string): number {
  const { nanPolicy, features } = version.metadata
  const rowModel = version.rowApiError === undefined && version.featureCount > 0
  const feature = rowModel ? features?.[index % version.featureCount] : undefined
  const label = feature === undefined ? at : `${at} (${feature.name})`
  let number: number
  if (value === null) {
    if (nanPolicy === 'reject') throw invalid(`${label} is missing (null), and the model rejects missing values`)
    number = nanPolicy
  } else if (typeof value === 'number') {
    number = value
  } else {
    throw invalid(`${label}: expected a number`)
  }
  if (!Number.isFinite(number) || (spec.dtype === 'float32' && Math.abs(number) > FLOAT32_MAX)) throw invalid(`${label} is not a finite ${spec.dtype} number`)
  if (feature?.min !== undefined && number < feature.min) throw invalid(`${label} is ${number}, below the minimum ${feature.min}`)
  if (feature?.max !== undefined && number > feature.max) throw invalid(`${label} is ${number}, above the maximum ${feature.max}`)
  return number
}

function selectOutputs(version: LoadedVersion, requested: string[]): string[] {
  const available = version.outputs.filter((output) => oipDatatype(output.dtype) !== undefined)
  if (requested.length === 0) return available.map((output) => output.name)
  const unknown = requested.find((name) => !available.some((output) => output.name === name))
  if (unknown !== undefined) throw invalid(`unknown output "${unknown}"; model "${version.model}" has ${names(available)}`)
  if (new Set(requested).size !== requested.length) throw invalid('an output is requested twice')
  return requested
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => `"${spec.name}"`).join(', ')
}

function invalid(message: string): ApiError {
  return new ApiError('invalid_input', message)
}

function fromZod(error: z.ZodError): ApiError {
  const issue = error.issues[0]
  if (issue === undefined) return invalid('invalid inference request')
  const path = issue.path.length === 0 ? 'request' : issue.path.map(String).join('.')
  const message = issue.code === 'unrecognized_keys' ? `unknown key "${issue.keys[0] ?? ''}"` : issue.message
  return invalid(`${path}: ${message}`)
}

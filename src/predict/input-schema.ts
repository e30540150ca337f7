import { z } from 'zod'
import { ApiError } from '../errors/api-error.js'
import type { LoadedVersion } from '../models/loaded-version.js'

/** A row as the client sends it: positional values, or values keyed by feature name. */
const rowSchema = z.union([z.array(z.number().nullable()), z.record(z.string(), z.number().nullable())])

/** The v1 predict body (contract.md, "Predict request and response"). */
export function predictBodySchema(maxRows: number) {
  return z.strictObject({
    inputs: z.array(rowSchema).min(1, 'inputs must hold at least one row').max(maxRows, `at most ${maxRows} rows per request`),
  })
}

/** Rows ready for the model: one number array per row, NaN policy applied, ranges checked. */
export type FeatureRows = number[][]

/** Turns a request body into feature rows for one version; throws ApiError('invalid_input'). */
export type InputValidator = (body: unknown) => FeatureRows

/** Builds the validator of one loaded version once, at load time (no per-request schema work). */
export function compileInputValidator(version: LoadedVersion, maxRows: number): InputValidator {
  const schema = predictBodySchema(maxRows)
  const features = version.metadata.features
  const names = features?.map((feature) => feature.name)
  const width = version.featureCount
  const nanPolicy = version.metadata.nanPolicy
  return function validateInput(body: unknown): FeatureRows {
    const parsed = schema.safeParse(body)
    if (!parsed.success) throw fromZod(parsed.error)
    return parsed.data.inputs.map((row, index) => {
      const values = Array.isArray(row) ? checkPositional(row, index, width) : byName(row, index, names)
      return values.map((value, column) => {
        const name = names?.[column] ?? `column ${column}`
        const filled = value === null ? fillMissing(nanPolicy, index, name) : value
        checkRange(filled, features?.[column], index, name)
        return filled
      })
    })
  }
}

function checkPositional(row: (number | null)[], index: number, width: number): (number | null)[] {
  if (row.length !== width) throw invalid(`row ${index}: expected ${width} values, got ${row.length}`, index)
  return row
}

function byName(row: Record<string, number | null>, index: number, names: string[] | undefined): (number | null)[] {
  if (names === undefined) throw invalid(`row ${index}: this model has no feature names; send rows as arrays`, index)
  const unknown = Object.keys(row).filter((key) => !names.includes(key))
  if (unknown.length > 0) throw invalid(`row ${index}: unknown feature ${JSON.stringify(unknown[0])}`, index)
  return names.map((name) => {
    if (!Object.hasOwn(row, name)) throw invalid(`row ${index}: missing feature ${JSON.stringify(name)}`, index)
    return row[name] ?? null
  })
}

function fillMissing(policy: 'reject' | number, index: number, name: string): number {
  if (policy === 'reject') throw invalid(`row ${index}: ${name} is missing (null), and the model rejects missing values`, index)
  return policy
}

/** Throws invalid_input (`row N: name …`) for a value that is not finite or outside the feature's range. */
export function checkRange(value: number, feature: { min?: number; max?: number } | undefined, index: number, name: string): void {
  if (!Number.isFinite(value)) throw invalid(`row ${index}: ${name} is not a finite number`, index)
  if (feature?.min !== undefined && value < feature.min) throw invalid(`row ${index}: ${name} is ${value}, below the minimum ${feature.min}`, index)
  if (feature?.max !== undefined && value > feature.max) throw invalid(`row ${index}: ${name} is ${value}, above the maximum ${feature.max}`, index)
}

function invalid(message: string, row: number): ApiError {
  return new ApiError('invalid_input', message, { details: [{ path: `/inputs/${row}` }] })
}

function fromZod(error: z.ZodError): ApiError {
  const details = error.issues
    .slice(0, 10)
    .map(unwrapUnion)
    .map((issue) => ({ path: pointer(issue.path), message: describe(issue) }))
  const first = details[0]
  return new ApiError('invalid_input', first === undefined ? 'invalid request body' : `${first.path}: ${first.message}`, { details })
}

/**
 * A row is an array or an object; when it is neither valid form, report the branch that got past
 * the row's own type (its issue points inside the row), not "no union member matched".
 */
function unwrapUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue
  const inner = issue.errors.map((branch) => branch[0]).find((first) => first !== undefined && first.path.length > 0)
  return inner === undefined ? issue : { ...inner, path: [...issue.path, ...inner.path] }
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key ${JSON.stringify(issue.keys[0])}`
  if (issue.code === 'invalid_union') return 'expected an array of numbers or an object of numbers by feature name'
  return issue.message
}

function pointer(path: PropertyKey[]): string {
  return path.length === 0 ? '/' : `/${path.map(String).join('/')}`
}

/** Each feature's lowest and highest allowed value, in the version's feature order (±Infinity where model.yaml sets none). */
export interface FeatureBounds {
  min: Float64Array
  max: Float64Array
}

const boundsOf = new WeakMap<LoadedVersion, FeatureBounds>()

/** The feature bounds of a version, worked out once per version. */
export function featureBounds(version: LoadedVersion): FeatureBounds {
  let bounds = boundsOf.get(version)
  if (bounds === undefined) {
    const width = version.featureCount
    const features = version.metadata.features
    bounds = {
      min: Float64Array.from({ length: width }, (_, column) => features?.[column]?.min ?? -Infinity),
      max: Float64Array.from({ length: width }, (_, column) => features?.[column]?.max ?? Infinity),
    }
    boundsOf.set(version, bounds)
  }
  return bounds
}

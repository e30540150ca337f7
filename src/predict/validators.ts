import type { LoadedVersion } from '../models/loaded-version.js'
import { compileInputValidator, featureBounds, type FeatureRows, type InputValidator } from './input-schema.js'

/** Compiled input validators, one per loaded version, dropped with the version. */
export class ValidatorCache {
  readonly #compiled = new WeakMap<LoadedVersion, InputValidator>()

  /** `maxRows`: the most rows one request may hold. */
  constructor(readonly maxRows: number) {}

  /** The validator of a version, compiled on first use. */
  for(version: LoadedVersion): InputValidator {
    let validator = this.#compiled.get(version)
    if (validator === undefined) {
      validator = withFastPath(version, compileInputValidator(version, this.maxRows), this.maxRows)
      this.#compiled.set(version, validator)
    }
    return validator
  }
}

/**
 * Puts a check in front of the full validator for the common body, `{"inputs": [[numbers…], …]}`
 * with every value present and in range: such a body is returned as it is, without the schema
 * walk. It accepts only what the full validator accepts, with the same rows; anything else
 * (names, nulls, wrong shapes, out-of-range values) goes to the full validator, which also
 * writes the error message.
 */
function withFastPath(version: LoadedVersion, full: InputValidator, maxRows: number): InputValidator {
  const width = version.featureCount
  // A version the row API cannot serve has no row width; its validator says why.
  if (width === 0) return full
  const { min, max } = featureBounds(version)
  return function validateInput(body: unknown): FeatureRows {
    return plainRows(body, width, maxRows, min, max) ?? full(body)
  }
}

function plainRows(body: unknown, width: number, maxRows: number, min: Float64Array, max: Float64Array): FeatureRows | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const keys = Object.keys(body)
  if (keys.length !== 1 || keys[0] !== 'inputs') return undefined
  const rows = (body as { inputs: unknown }).inputs
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > maxRows) return undefined
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== width) return undefined
    for (let column = 0; column < width; column += 1) {
      const value: unknown = row[column]
      // Comparisons are false for NaN, so a non-finite value fails here as well.
      if (typeof value !== 'number' || !(value >= (min[column] ?? -Infinity) && value <= (max[column] ?? Infinity)) || !Number.isFinite(value)) return undefined
    }
  }
  return rows as FeatureRows
}

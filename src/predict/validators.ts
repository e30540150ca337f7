import type { LoadedVersion } from '../models/loaded-version.js'
import { compileInputValidator, type InputValidator } from './input-schema.js'

/** Compiled input validators, one per loaded version, dropped with the version. */
export class ValidatorCache {
  readonly #compiled = new WeakMap<LoadedVersion, InputValidator>()

  constructor(private readonly maxRows: number) {}

  /** The validator of a version, compiled on first use. */
  for(version: LoadedVersion): InputValidator {
    let validator = this.#compiled.get(version)
    if (validator === undefined) {
      validator = compileInputValidator(version, this.maxRows)
      this.#compiled.set(version, validator)
    }
    return validator
  }
}

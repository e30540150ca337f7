import type { ReferenceProfile } from '../drift/profile.js'
import { ApiError } from '../errors/api-error.js'
import type { ModelMetadata } from './metadata.js'
import type { ModelSession } from './session-handle.js'
import type { TensorSpec } from './tensor-io.js'

/** A version that loaded and warmed up. Immutable: a reload builds a new one and swaps (design.md, invariant 4). */
export interface LoadedVersion {
  readonly model: string
  readonly version: string
  readonly session: ModelSession
  /** Where the session computes: on the event-loop thread, or on an inference thread (config `inference.threads`). */
  readonly runsOn: 'event-loop' | 'inference-thread'
  /** Microseconds of a one-row run on the event-loop thread, timed at load; undefined when not timed there. */
  readonly rowRunMicros?: number
  readonly metadata: ModelMetadata
  readonly inputs: readonly TensorSpec[]
  readonly outputs: readonly TensorSpec[]
  /** Number of values per row the v1 row API sends; 0 when `rowApiError` is set. */
  readonly featureCount: number
  /** Why the v1 row API cannot serve this version (it does not take one float [batch, features] input). */
  readonly rowApiError?: string
  /** sha256 of the ONNX file, hex. */
  readonly digest: string
  readonly loadedAt: Date
  /** The reference profile of drift tracking (profile.json beside model.onnx), when there is one. */
  readonly profile?: ReferenceProfile
}

/** Throws 400 when the v1 row API cannot serve the version; the Open Inference Protocol still can. */
export function assertRowApi(version: LoadedVersion): void {
  if (version.rowApiError === undefined) return
  throw new ApiError('invalid_input', `model "${version.model}" ${version.rowApiError}, so /api/v1 cannot send it rows; use POST /v2/models/${version.model}/infer`)
}

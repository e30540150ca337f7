import type { InferenceSession } from 'onnxruntime-node'
import type { ModelMetadata } from './metadata.js'
import type { TensorSpec } from './tensor-io.js'

/** A version that loaded and warmed up. Immutable: a reload builds a new one and swaps (design.md, invariant 4). */
export interface LoadedVersion {
  readonly model: string
  readonly version: string
  readonly session: InferenceSession
  readonly metadata: ModelMetadata
  readonly inputs: readonly TensorSpec[]
  readonly outputs: readonly TensorSpec[]
  /** Number of values per row the model takes. */
  readonly featureCount: number
  /** sha256 of the ONNX file, hex. */
  readonly digest: string
  readonly loadedAt: Date
}

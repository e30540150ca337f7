import type { InferenceSession, Tensor } from 'onnxruntime-node'

/** A tensor as it crosses between threads: structured-clonable, rebuilt as an `ort.Tensor` on arrival. */
export interface WireTensor {
  name: string
  type: Tensor.Type
  data: Tensor.DataType
  dims: readonly number[]
}

/** What the event-loop thread asks of an inference thread; `id` pairs the reply. */
export type ThreadRequest =
  | { id: number; op: 'open'; bytes: Uint8Array; options: InferenceSession.SessionOptions }
  | { id: number; op: 'run'; session: number; feeds: WireTensor[]; fetches?: readonly string[] }
  | { id: number; op: 'release'; session: number }

/** An inference thread's answer to the request with the same `id`. */
export type ThreadReply =
  | { id: number; op: 'open'; inputMetadata: InferenceSession.ValueMetadata[]; outputMetadata: InferenceSession.ValueMetadata[] }
  | { id: number; op: 'run'; outputs: WireTensor[] }
  | { id: number; op: 'release' }
  | { id: number; op: 'error'; message: string }

import type { InferenceSession } from 'onnxruntime-node'

/** One input or output of a session: name, ONNX Runtime dtype, and shape (-1 for a dynamic dim). */
export interface TensorSpec {
  name: string
  dtype: string
  shape: number[]
}

/** Reads the session's tensor inputs or outputs; non-tensor values (maps, sequences) keep dtype "non-tensor". */
export function describeValues(metadata: readonly InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((value) => {
    if (!value.isTensor) return { name: value.name, dtype: 'non-tensor', shape: [] }
    const shape = value.shape.map((dim) => (typeof dim === 'number' && dim > 0 ? dim : -1))
    return { name: value.name, dtype: value.type, shape }
  })
}

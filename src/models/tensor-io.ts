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

/** ONNX Runtime element types and their Open Inference Protocol names ("Tensor Data Types"). */
const OIP_DATATYPES: Readonly<Record<string, string>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
}

/** The protocol datatype of an ONNX Runtime dtype, or undefined for non-tensor values. */
export function oipDatatype(dtype: string): string | undefined {
  return Object.hasOwn(OIP_DATATYPES, dtype) ? OIP_DATATYPES[dtype] : undefined
}

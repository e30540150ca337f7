import ort from 'onnxruntime-node'
import { oipDatatype } from '../models/tensor-io.js'
import type { CheckedTensor, TensorValue } from './tensor-input.js'

/** One output tensor of an answer, as the Open Inference Protocol sends it. */
export interface OutputTensor {
  name: string
  datatype: string
  shape: number[]
  data: TensorValue[]
}

/** A checked request tensor as the session takes it. */
export function toOrtTensor(input: CheckedTensor): ort.Tensor {
  const values = input.values
  const numbers = values as number[]
  switch (input.dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(numbers), input.shape)
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(numbers), input.shape)
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(numbers), input.shape)
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(numbers), input.shape)
    case 'int16':
      return new ort.Tensor('int16', Int16Array.from(numbers), input.shape)
    case 'uint16':
      return new ort.Tensor('uint16', Uint16Array.from(numbers), input.shape)
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(numbers), input.shape)
    case 'uint32':
      return new ort.Tensor('uint32', Uint32Array.from(numbers), input.shape)
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(numbers, BigInt), input.shape)
    case 'uint64':
      return new ort.Tensor('uint64', BigUint64Array.from(numbers, BigInt), input.shape)
    case 'bool':
      return new ort.Tensor(
        'bool',
        Uint8Array.from(values, (value) => (value === true ? 1 : 0)),
        input.shape,
      )
    case 'string':
      return new ort.Tensor('string', values as string[], input.shape)
    default:
      throw new Error(`no tensor conversion for ${input.dtype}`)
  }
}

/** An output tensor as the protocol sends it: flat row-major JSON values. */
export function fromOrtTensor(name: string, tensor: ort.Tensor): OutputTensor {
  const datatype = oipDatatype(tensor.type) ?? tensor.type
  const data = tensor.data
  let values: TensorValue[]
  if (tensor.type === 'bool') values = Array.from(data as Uint8Array, (value) => value !== 0)
  else if (tensor.type === 'string') values = [...(data as string[])]
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) values = Array.from(data, Number)
  else if (tensor.type === 'float32') values = Array.from(data as Float32Array, shortestFloat32)
  else values = Array.from(data as ArrayLike<number>)
  return { name, datatype, shape: tensor.dims.map(Number), data: values }
}

/**
 * The shortest decimal that reads back as the same float32: 1.0000001 rather than its double
 * expansion 1.0000001192092896, and still exact, unlike a fixed 7 digits.
 */
function shortestFloat32(value: number): number {
  for (let digits = 6; digits < 9; digits += 1) {
    const shorter = Number(value.toPrecision(digits))
    if (Math.fround(shorter) === value) return shorter
  }
  return Number(value.toPrecision(9))
}

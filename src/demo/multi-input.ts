import { TensorDataType } from '../training/onnx-proto.js'
import { BATCH_DIM, makeNode, tensorInfo, writeModel } from '../training/onnx-writer.js'

/** Builds Triton's "simple" example in FP32: input0, input1 [N, width] → output0 = input0 + input1, output1 = input0 - input1. */
export function buildMultiInputModel(width = 16): Uint8Array {
  if (!Number.isInteger(width) || width <= 0) throw new RangeError(`width must be a positive integer, got ${width}`)
  const io = (name: string) => tensorInfo(name, TensorDataType.FLOAT, [BATCH_DIM, width])
  return writeModel({
    graphName: 'simple',
    docString: 'Two inputs, two outputs: sum and difference (like Triton\'s "simple" example)',
    nodes: [
      makeNode({ opType: 'Add', inputs: ['input0', 'input1'], outputs: ['output0'], name: 'add' }),
      makeNode({ opType: 'Sub', inputs: ['input0', 'input1'], outputs: ['output1'], name: 'sub' }),
    ],
    inputs: [io('input0'), io('input1')],
    outputs: [io('output0'), io('output1')],
  })
}

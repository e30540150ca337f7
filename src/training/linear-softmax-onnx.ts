import { TensorDataType } from './onnx-proto.js'
import { BATCH_DIM, floatTensor, intAttr, makeNode, tensorInfo, writeModel } from './onnx-writer.js'

/** A linear classifier on raw features: logits = input · weights + bias. */
export interface LinearSoftmaxExport {
  weights: readonly (readonly number[])[]
  bias: readonly number[]
  graphName: string
  docString?: string
}

/** Writes input float [N, features] → Gemm → Softmax(axis 1) → probabilities float [N, classes], plus ArgMax → label int64 [N]. */
export function linearSoftmaxToOnnx(spec: LinearSoftmaxExport): Uint8Array {
  const featureCount = spec.weights.length
  const classCount = spec.bias.length
  if (featureCount === 0 || !spec.weights.every((row) => row.length === classCount)) {
    throw new RangeError(`weights must be ${featureCount} rows of ${classCount} values`)
  }
  return writeModel({
    graphName: spec.graphName,
    docString: spec.docString ?? '',
    initializers: [floatTensor('weights', [featureCount, classCount], spec.weights.flat()), floatTensor('bias', [classCount], spec.bias)],
    nodes: [
      makeNode({ opType: 'Gemm', inputs: ['input', 'weights', 'bias'], outputs: ['logits'], name: 'linear' }),
      makeNode({ opType: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], name: 'softmax', attributes: [intAttr('axis', 1)] }),
      // The label is taken from the probabilities themselves so the two outputs can never disagree.
      makeNode({
        opType: 'ArgMax',
        inputs: ['probabilities'],
        outputs: ['label'],
        name: 'argmax',
        attributes: [intAttr('axis', 1), intAttr('keepdims', 0)],
      }),
    ],
    inputs: [tensorInfo('input', TensorDataType.FLOAT, [BATCH_DIM, featureCount])],
    outputs: [tensorInfo('label', TensorDataType.INT64, [BATCH_DIM]), tensorInfo('probabilities', TensorDataType.FLOAT, [BATCH_DIM, classCount])],
  })
}

import { TensorDataType } from '../training/onnx-proto.js'
import { BATCH_DIM, floatTensor, intAttr, makeNode, tensorInfo, writeModel } from '../training/onnx-writer.js'
import type { NodeProto, TensorProto } from '../training/onnx-proto.js'
import { seededRandom, type RandomSource } from '../training/seeded-random.js'

/** Layer sizes and seed of a random multi-layer perceptron. */
export interface MlpOptions {
  inputs: number
  hidden: readonly number[]
  outputs: number
  seed: number
}

/** The benchmark MLP: 256 → 1024 → 1024 → 10. */
export const DEFAULT_MLP_OPTIONS: MlpOptions = { inputs: 256, hidden: [1024, 1024], outputs: 10, seed: 1234 }

function uniformValues(count: number, limit: number, random: RandomSource): Float32Array {
  const values = new Float32Array(count)
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * limit
  return values
}

/** Builds a seeded random MLP (MatMul + Add + Relu per hidden layer, Softmax at the end): input float [N, inputs] → probabilities float [N, outputs]. */
export function buildMlpModel(options: MlpOptions = DEFAULT_MLP_OPTIONS): Uint8Array {
  const sizes = [options.inputs, ...options.hidden, options.outputs]
  if (!sizes.every((size) => Number.isInteger(size) && size > 0)) throw new RangeError('layer sizes must be positive integers')
  const random = seededRandom(options.seed)
  const nodes: NodeProto[] = []
  const initializers: TensorProto[] = []
  let current = 'input'
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const fanIn = sizes[layer] ?? 0
    const fanOut = sizes[layer + 1] ?? 0
    const isLast = layer + 2 === sizes.length
    // He-uniform weights keep activations from vanishing or exploding through the ReLU layers.
    initializers.push(floatTensor(`w${layer}`, [fanIn, fanOut], uniformValues(fanIn * fanOut, Math.sqrt(6 / fanIn), random)))
    initializers.push(floatTensor(`b${layer}`, [fanOut], uniformValues(fanOut, 0.1, random)))
    nodes.push(makeNode({ opType: 'MatMul', inputs: [current, `w${layer}`], outputs: [`mm${layer}`] }))
    nodes.push(makeNode({ opType: 'Add', inputs: [`mm${layer}`, `b${layer}`], outputs: [isLast ? 'logits' : `z${layer}`] }))
    if (!isLast) nodes.push(makeNode({ opType: 'Relu', inputs: [`z${layer}`], outputs: [`h${layer}`] }))
    current = isLast ? 'logits' : `h${layer}`
  }
  nodes.push(makeNode({ opType: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: [intAttr('axis', 1)] }))
  return writeModel({
    graphName: 'mlp',
    docString: `Random MLP ${sizes.join(' → ')} (seed ${options.seed}) for benchmarks`,
    nodes,
    initializers,
    inputs: [tensorInfo('input', TensorDataType.FLOAT, [BATCH_DIM, options.inputs])],
    outputs: [tensorInfo('probabilities', TensorDataType.FLOAT, [BATCH_DIM, options.outputs])],
  })
}

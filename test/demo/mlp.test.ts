import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_MLP_OPTIONS, buildMlpModel } from '../../src/demo/mlp.js'
import { decodeModelProto } from '../../src/training/onnx-proto.js'
import { seededRandom } from '../../src/training/seeded-random.js'
import { floatBatch, loadSession, toRows } from './run-onnx.js'

function randomRows(count: number, width: number, seed: number): number[][] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => Array.from({ length: width }, () => random() * 2 - 1))
}

describe('buildMlpModel', () => {
  it('builds the 256 → 1024 → 1024 → 10 benchmark model that returns a distribution per row', async () => {
    const session = await loadSession(buildMlpModel({ inputs: 256, hidden: [1024, 1024], outputs: 10, seed: 1 }))
    assert.deepEqual(session.inputNames, ['input'])
    assert.deepEqual(session.outputNames, ['probabilities'])
    const { probabilities } = await session.run({ input: floatBatch(randomRows(4, 256, 2)) })
    assert.deepEqual(probabilities?.dims, [4, 10])
    assert.ok(probabilities?.data instanceof Float32Array)
    for (const row of toRows(probabilities.data, 10)) {
      assert.ok(row.every((p) => p >= 0 && p <= 1))
      assert.ok(Math.abs(row.reduce((sum, p) => sum + p, 0) - 1) < 1e-5)
    }
  })

  it('chains MatMul, Add and Relu per hidden layer and ends in Softmax', () => {
    const ops = decodeModelProto(buildMlpModel({ inputs: 3, hidden: [4, 5], outputs: 2, seed: 1 })).graph?.node?.map((node) => node.opType)
    assert.deepEqual(ops, ['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Softmax'])
  })

  it('derives the weights from the seed alone', () => {
    const small = { inputs: 8, hidden: [16], outputs: 3 }
    assert.deepEqual(buildMlpModel({ ...small, seed: 5 }), buildMlpModel({ ...small, seed: 5 }))
    assert.notDeepEqual(buildMlpModel({ ...small, seed: 5 }), buildMlpModel({ ...small, seed: 6 }))
  })

  it('defaults to the benchmark shape', () => {
    assert.deepEqual({ ...DEFAULT_MLP_OPTIONS, seed: 0 }, { inputs: 256, hidden: [1024, 1024], outputs: 10, seed: 0 })
  })

  it('rejects non-positive layer sizes', () => {
    assert.throws(() => buildMlpModel({ inputs: 4, hidden: [0], outputs: 2, seed: 1 }), RangeError)
  })
})

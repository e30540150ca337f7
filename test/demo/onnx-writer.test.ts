import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TensorDataType, decodeModelProto } from '../../src/training/onnx-proto.js'
import {
  BATCH_DIM,
  IR_VERSION,
  floatAttr,
  floatTensor,
  floatsAttr,
  int64Tensor,
  intAttr,
  intsAttr,
  makeNode,
  stringAttr,
  stringsAttr,
  tensorInfo,
  writeModel,
} from '../../src/training/onnx-writer.js'
import { floatBatch, loadSession, toRows } from './run-onnx.js'

// y = softmax(x · W + b) with W = [[1, 0], [0, 2]] and b = [0.5, -0.5]
function linearModel(): Uint8Array {
  return writeModel({
    graphName: 'linear',
    initializers: [floatTensor('W', [2, 2], [1, 0, 0, 2]), floatTensor('b', [2], [0.5, -0.5])],
    nodes: [
      makeNode({ opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['logits'] }),
      makeNode({ opType: 'Softmax', inputs: ['logits'], outputs: ['y'], attributes: [intAttr('axis', 1)] }),
    ],
    inputs: [tensorInfo('x', TensorDataType.FLOAT, [BATCH_DIM, 2])],
    outputs: [tensorInfo('y', TensorDataType.FLOAT, [BATCH_DIM, 2])],
  })
}

function softmax(logits: number[]): number[] {
  const exps = logits.map(Math.exp)
  const total = exps.reduce((sum, value) => sum + value, 0)
  return exps.map((value) => value / total)
}

describe('onnx-writer', () => {
  it('writes a model that onnxruntime loads and evaluates', async () => {
    const session = await loadSession(linearModel())
    assert.deepEqual(session.inputNames, ['x'])
    assert.deepEqual(session.outputNames, ['y'])
    const rows = [
      [0, 0],
      [1, 1],
      [-2, 3],
    ]
    const { y } = await session.run({ x: floatBatch(rows) })
    assert.ok(y !== undefined && y.data instanceof Float32Array)
    const expected = rows.map(([a = 0, b = 0]) => softmax([a + 0.5, 2 * b - 0.5]))
    toRows(y.data, 2).forEach((row, i) =>
      row.forEach((value, j) => {
        assert.ok(Math.abs(value - (expected[i]?.[j] ?? Number.NaN)) < 1e-6, `row ${i} class ${j}: ${value}`)
      }),
    )
  })

  it('accepts any batch size through the symbolic batch dimension', async () => {
    const session = await loadSession(linearModel())
    for (const batch of [1, 7]) {
      const { y } = await session.run({ x: floatBatch(Array.from({ length: batch }, () => [1, 2])) })
      assert.deepEqual(y?.dims, [batch, 2])
    }
    const input = decodeModelProto(linearModel()).graph?.input?.[0]
    assert.deepEqual(input?.type?.tensorType?.shape?.dim, [{ dimParam: 'N' }, { dimValue: 2 }])
  })

  it('stores int64 initializers, negative values included', async () => {
    const session = await loadSession(
      writeModel({
        graphName: 'reshape',
        initializers: [int64Tensor('shape', [2], [-1, 2])],
        nodes: [makeNode({ opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] })],
        inputs: [tensorInfo('x', TensorDataType.FLOAT, [BATCH_DIM, 4])],
        outputs: [tensorInfo('y', TensorDataType.FLOAT, ['M', 2])],
      }),
    )
    const { y } = await session.run({
      x: floatBatch([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]),
    })
    assert.deepEqual(y?.dims, [4, 2])
    assert.deepEqual(Array.from(y?.data instanceof Float32Array ? y.data : []), [1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('produces int64 outputs from an ArgMax with int attributes', async () => {
    const session = await loadSession(
      writeModel({
        graphName: 'argmax',
        nodes: [makeNode({ opType: 'ArgMax', inputs: ['x'], outputs: ['i'], attributes: [intAttr('axis', 1), intAttr('keepdims', 0)] })],
        inputs: [tensorInfo('x', TensorDataType.FLOAT, [BATCH_DIM, 3])],
        outputs: [tensorInfo('i', TensorDataType.INT64, [BATCH_DIM])],
      }),
    )
    const { i } = await session.run({
      x: floatBatch([
        [0, 5, 1],
        [9, 0, 1],
      ]),
    })
    assert.ok(i?.data instanceof BigInt64Array)
    assert.deepEqual(Array.from(i.data), [1n, 0n])
  })

  it('round-trips every attribute kind and the model header', () => {
    const bytes = writeModel({
      graphName: 'attrs',
      nodes: [
        makeNode({
          opType: 'Custom',
          domain: 'example.test',
          inputs: ['x'],
          outputs: ['y'],
          attributes: [
            floatAttr('f', 0.25),
            intAttr('i', -3),
            stringAttr('s', 'héllo'),
            floatsAttr('fs', [1.5, -2]),
            intsAttr('is', [0, 2 ** 40]),
            stringsAttr('ss', ['a', 'BRANCH_LT']),
          ],
        }),
      ],
      inputs: [tensorInfo('x', TensorDataType.FLOAT, [BATCH_DIM])],
      outputs: [tensorInfo('y', TensorDataType.FLOAT, [BATCH_DIM])],
      metadata: { source: 'test' },
    })
    const model = decodeModelProto(bytes)
    assert.equal(model.irVersion, IR_VERSION)
    assert.deepEqual(model.opsetImport, [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ])
    assert.deepEqual(model.metadataProps, [{ key: 'source', value: 'test' }])
    const node = model.graph?.node?.[0]
    assert.equal(node?.opType, 'Custom')
    assert.equal(node.domain, 'example.test')
    const attributes = new Map((node.attribute ?? []).map((attribute) => [attribute.name, attribute]))
    const text = new TextDecoder()
    assert.deepEqual({ ...attributes.get('f') }, { name: 'f', type: 1, f: 0.25 })
    assert.deepEqual({ ...attributes.get('i') }, { name: 'i', type: 2, i: -3 })
    assert.equal(text.decode(attributes.get('s')?.s), 'héllo')
    assert.deepEqual(attributes.get('fs')?.floats, [1.5, -2])
    assert.deepEqual(attributes.get('is')?.ints, [0, 2 ** 40])
    assert.deepEqual(
      attributes.get('ss')?.strings?.map((value) => text.decode(value)),
      ['a', 'BRANCH_LT'],
    )
  })

  it('rejects a tensor whose dims do not match its values', () => {
    assert.throws(() => floatTensor('w', [2, 2], [1, 2, 3]), RangeError)
    assert.throws(() => int64Tensor('s', [1], [0.5]), RangeError)
  })
})

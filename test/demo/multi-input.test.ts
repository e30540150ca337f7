import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildMultiInputModel } from '../../src/demo/multi-input.js'
import { floatBatch, loadSession, toRows } from './run-onnx.js'

describe('buildMultiInputModel', () => {
  it('returns the sum and the difference of its two inputs', async () => {
    const session = await loadSession(buildMultiInputModel())
    assert.deepEqual([...session.inputNames].sort(), ['input0', 'input1'])
    assert.deepEqual([...session.outputNames].sort(), ['output0', 'output1'])
    const a = [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => -i / 2)]
    const b = [Array.from({ length: 16 }, () => 1), Array.from({ length: 16 }, (_, i) => i * 3)]
    const { output0, output1 } = await session.run({ input0: floatBatch(a), input1: floatBatch(b) })
    assert.ok(output0?.data instanceof Float32Array && output1?.data instanceof Float32Array)
    assert.deepEqual(
      toRows(output0.data, 16),
      a.map((row, i) => row.map((value, j) => value + (b[i]?.[j] ?? 0))),
    )
    assert.deepEqual(
      toRows(output1.data, 16),
      a.map((row, i) => row.map((value, j) => value - (b[i]?.[j] ?? 0))),
    )
  })

  it('takes another row width when asked', async () => {
    const session = await loadSession(buildMultiInputModel(3))
    const { output0 } = await session.run({ input0: floatBatch([[1, 2, 3]]), input1: floatBatch([[1, 1, 1]]) })
    assert.deepEqual(output0?.dims, [1, 3])
  })
})

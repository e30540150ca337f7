import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import ort from 'onnxruntime-node'
import { batchRows, concatRows, rowShapeKey, sliceRows } from '../../src/predict/tensors.js'

describe('batching tensors along the first dimension', () => {
  const a = {
    x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]),
    ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n]), [2]),
    words: new ort.Tensor('string', ['a', 'b'], [2]),
  }
  const b = {
    x: new ort.Tensor('float32', Float32Array.from([5, 6]), [1, 2]),
    ids: new ort.Tensor('int64', BigInt64Array.from([3n]), [1]),
    words: new ort.Tensor('string', ['c'], [1]),
  }

  it('joins every input of several requests, row after row, keeping each element type', () => {
    const joined = concatRows([a, b])
    assert.deepEqual(joined.x?.dims, [3, 2])
    assert.deepEqual([...(joined.x?.data as Float32Array)], [1, 2, 3, 4, 5, 6])
    assert.ok(joined.ids?.data instanceof BigInt64Array)
    assert.deepEqual([...(joined.ids?.data as BigInt64Array)], [1n, 2n, 3n])
    assert.deepEqual(joined.words?.data, ['a', 'b', 'c'])
  })

  it("cuts each request's rows back out, as copies", () => {
    const joined = concatRows([a, b])
    const second = sliceRows(joined, 2, 1)
    assert.deepEqual(second.x?.dims, [1, 2])
    assert.deepEqual([...(second.x?.data as Float32Array)], [5, 6])
    assert.deepEqual(second.words?.data, ['c'])
    assert.notEqual((second.x?.data as Float32Array).buffer, (joined.x?.data as Float32Array).buffer)
  })

  it("knows a request's rows, and refuses to count inputs that disagree on them", () => {
    assert.equal(batchRows(a), 2)
    assert.equal(batchRows({ x: a.x, ids: b.ids }), undefined)
  })

  it('keys row shapes by name, type and the dimensions after the first', () => {
    assert.equal(rowShapeKey(a), rowShapeKey(b))
    assert.notEqual(rowShapeKey(a), rowShapeKey({ ...a, x: new ort.Tensor('float32', new Float32Array(3), [1, 3]) }))
    assert.notEqual(rowShapeKey(a), rowShapeKey({ ...a, x: new ort.Tensor('float64', new Float64Array(4), [2, 2]) }))
  })
})

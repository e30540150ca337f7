import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import * as ort from 'onnxruntime-node'
import { loadIris } from '../../src/demo/iris.js'
import { floatBatch, loadSession, runClassifier } from './run-onnx.js'

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

describe('corrupt.onnx fixture', () => {
  it('is refused by onnxruntime, from a path and from bytes', async () => {
    await assert.rejects(ort.InferenceSession.create(fixture('corrupt.onnx')), /protobuf parsing failed/i)
    await assert.rejects(ort.InferenceSession.create(await readFile(fixture('corrupt.onnx'))))
  })
})

describe('simple.onnx fixture', () => {
  it('adds and subtracts two [N, 16] inputs', async () => {
    const session = await loadSession(fixture('simple.onnx'))
    const ones = [Array.from({ length: 16 }, () => 1)]
    const twos = [Array.from({ length: 16 }, () => 2)]
    const { output0, output1 } = await session.run({ input0: floatBatch(twos), input1: floatBatch(ones) })
    assert.deepEqual(
      Array.from(output0?.data instanceof Float32Array ? output0.data : []),
      Array.from({ length: 16 }, () => 3),
    )
    assert.deepEqual(
      Array.from(output1?.data instanceof Float32Array ? output1.data : []),
      Array.from({ length: 16 }, () => 1),
    )
  })
})

describe('tiny-classifier.onnx fixture', () => {
  it('classifies iris with at least 95% accuracy', async () => {
    const iris = loadIris()
    const { labels, probabilities } = await runClassifier(await loadSession(fixture('tiny-classifier.onnx')), iris.features)
    const correct = labels.filter((label, i) => label === iris.labels[i]).length
    assert.ok(correct / 150 >= 0.95, `accuracy ${correct / 150}`)
    assert.ok(probabilities.every((row) => Math.abs(row.reduce((sum, p) => sum + p, 0) - 1) < 1e-5))
  })
})

describe('ONNX fixtures', () => {
  it('stay under 4 KiB each', async () => {
    for (const name of ['corrupt.onnx', 'simple.onnx', 'tiny-classifier.onnx']) {
      assert.ok((await readFile(fixture(name))).length < 4096, name)
    }
  })
})

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import ort from 'onnxruntime-node'
import type { LoadedVersion } from '../../src/models/loaded-version.js'
import { modelMetadataSchema } from '../../src/models/metadata.js'
import type { ModelSession } from '../../src/models/session-handle.js'
import { answerColumns, rowAnswer } from '../../src/predict/row-answer.js'

/** A version whose outputs are an int64 label and float32 probabilities over three labels; its session is never run here. */
function classifier(): LoadedVersion {
  const session: ModelSession = {
    inputMetadata: [],
    outputMetadata: [],
    run: () => Promise.reject(new Error('not run in this test')),
    release: () => Promise.resolve(),
  }
  return {
    model: 'classifier',
    version: '1',
    session,
    runsOn: 'event-loop',
    metadata: modelMetadataSchema.parse({ labels: ['a', 'b', 'c'] }),
    inputs: [{ name: 'input', dtype: 'float32', shape: [-1, 2] }],
    outputs: [
      { name: 'label', dtype: 'int64', shape: [-1] },
      { name: 'probabilities', dtype: 'float32', shape: [-1, 3] },
    ],
    featureCount: 2,
    digest: '0'.repeat(64),
    loadedAt: new Date(0),
  }
}

describe('answers from an int64 label output', () => {
  // Within 32 bits, negative, and past 32 bits either way: the last three are no label's index.
  const LABELS = [0n, 2n, 1n, -1n, 2n ** 40n, -(2n ** 40n) - 3n]
  const outputs = {
    label: new ort.Tensor('int64', BigInt64Array.from(LABELS), [LABELS.length]),
    probabilities: new ort.Tensor('float32', new Float32Array(LABELS.length * 3).fill(0.25), [LABELS.length, 3]),
  }
  const expected = ['a', 'c', 'b', -1, 2 ** 40, -(2 ** 40) - 3]

  it('names each class index by its label and keeps any other value as the number it is', () => {
    assert.deepEqual(answerColumns(classifier(), outputs).predictions, expected)
    assert.deepEqual(rowAnswer(classifier(), outputs).predictions, expected)
  })

  it('reads a label tensor that starts partway into its buffer', () => {
    const shared = BigInt64Array.from([7n, ...LABELS])
    const offset = { ...outputs, label: new ort.Tensor('int64', shared.subarray(1), [LABELS.length]) }
    assert.deepEqual(answerColumns(classifier(), offset).predictions, expected)
  })
})

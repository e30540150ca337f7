// Real model files for the lifecycle tests: temp repositories, versions written as a deployment
// would write them, and tiny ONNX models whose answers are known in advance.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stringify } from 'yaml'
import { linearSoftmaxToOnnx } from '../../src/training/linear-softmax-onnx.js'
import { buildMultiInputModel } from '../../src/demo/multi-input.js'
import type { ValueInfoProto } from '../../src/training/onnx-proto.js'
import { BATCH_DIM, makeNode, writeModel } from '../../src/training/onnx-writer.js'

/** The committed fixtures. */
const FIXTURES = join(import.meta.dirname, '..', 'fixtures')

/** Bytes of a committed fixture. */
export function fixture(name: 'tiny-classifier.onnx' | 'simple.onnx' | 'corrupt.onnx'): Buffer {
  return readFileSync(join(FIXTURES, name))
}

/** A classifier of 4 features that answers class `label` for every row (zero weights, one-hot bias). */
export function constantClassifier(label: number): Uint8Array {
  const weights = Array.from({ length: 4 }, () => [0, 0, 0])
  const bias = [0, 0, 0].map((_, index) => (index === label ? 5 : 0))
  return linearSoftmaxToOnnx({ weights, bias, graphName: `always-${label}` })
}

/** Triton's "simple" model: input0, input1 FP32 [N, 16] → output0 = sum, output1 = difference. */
export function simpleModel(): Uint8Array {
  return buildMultiInputModel(16)
}

// ONNX TensorProto.DataType codes (onnx.proto): the demo writer names only the ones it needs.
const ONNX_TYPES = { x_fp64: 11, x_int32: 6, x_int64: 7, x_bool: 9, x_bytes: 8 } as const

/** Identity on five [N, 2] inputs, one per datatype: x_fp64, x_int32, x_int64, x_bool, x_bytes → y_*. */
export function dtypesModel(): Uint8Array {
  const info = (name: string, elemType: number): ValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: BATCH_DIM }, { dimValue: 2 }] } } },
  })
  const entries = Object.entries(ONNX_TYPES)
  return writeModel({
    graphName: 'dtypes',
    nodes: entries.map(([name]) => makeNode({ opType: 'Identity', inputs: [name], outputs: [name.replace('x_', 'y_')] })),
    inputs: entries.map(([name, type]) => info(name, type)),
    outputs: entries.map(([name, type]) => info(name.replace('x_', 'y_'), type)),
  })
}

/** A temp model repository, removed by `cleanup`. */
export interface TempRepo {
  dir: string
  /** Writes `<model>/<version>/model.onnx` at once (as a rename would). */
  writeVersion(model: string, version: number, bytes: Uint8Array): string
  /** Writes `<model>/model.yaml`. */
  writeYaml(model: string, document: Record<string, unknown>): void
  remove(relative: string): void
  cleanup(): void
}

/** Makes an empty temp repository. */
export function tempRepo(prefix = 'portcullis-lifecycle-'): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    writeVersion(model, version, bytes) {
      const path = join(dir, model, String(version), 'model.onnx')
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, bytes)
      return path
    },
    writeYaml(model, document) {
      mkdirSync(join(dir, model), { recursive: true })
      writeFileSync(join(dir, model, 'model.yaml'), stringify(document))
    },
    remove(relative) {
      rmSync(join(dir, relative), { recursive: true, force: true })
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Writes `bytes` to `path` in `chunks` pieces with a pause between them, like a slow copy over the network. */
export async function copySlowly(bytes: Uint8Array, path: string, chunks: number, pauseMs: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true })
  const file = await open(path, 'w')
  try {
    const size = Math.ceil(bytes.length / chunks)
    for (let offset = 0; offset < bytes.length; offset += size) {
      await file.write(bytes.subarray(offset, offset + size))
      await file.sync()
      await sleep(pauseMs)
    }
  } finally {
    await file.close()
  }
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs` (a guard, not a timing assertion). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

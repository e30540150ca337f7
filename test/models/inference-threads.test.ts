import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PassThrough } from 'node:stream'
import { Worker } from 'node:worker_threads'
import ort from 'onnxruntime-node'
import { buildMlpModel, DEFAULT_MLP_OPTIONS } from '../../src/demo/mlp.js'
import { InferenceThreads } from '../../src/models/inference-threads/pool.js'
import { BARE_METADATA } from '../../src/models/metadata.js'
import type { ModelSession } from '../../src/models/session-handle.js'
import { createLogger } from '../../src/observability/logger.js'
import { openVersion, readModelFile } from '../../src/models/version-loader.js'
import { demoModelsDir } from '../helpers/demo-models.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'

const OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 } as const
const IRIS_ROWS = [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]]

function irisInput(rows: readonly (readonly number[])[]): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4])
}

function plain(results: ort.InferenceSession.ReturnType): Record<string, { type: string; dims: readonly number[]; data: unknown[] }> {
  return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, { type: tensor.type, dims: tensor.dims, data: Array.from(tensor.data as ArrayLike<unknown>) }]))
}

/** setImmediate turns the event loop completes while `work` is pending. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0
  let done = false
  const settled = work.finally(() => (done = true))
  await new Promise<void>((resolve) => {
    const turn = (): void => {
      if (done) return resolve()
      turns += 1
      setImmediate(turn)
    }
    setImmediate(turn)
  })
  await settled
  return turns
}

describe('InferenceThreads', () => {
  let iris: Uint8Array
  const threads = new InferenceThreads(2)
  before(async () => {
    iris = readFileSync(join(await demoModelsDir(), 'iris', '1', 'model.onnx'))
  })
  after(() => threads.close())

  it('answers exactly as the same session on the event-loop thread, with and without fetches', async () => {
    const local = await ort.InferenceSession.create(iris, OPTIONS)
    const threaded = await threads.open(iris, OPTIONS)
    try {
      assert.deepEqual(threaded.inputMetadata, local.inputMetadata)
      assert.deepEqual(threaded.outputMetadata, local.outputMetadata)
      const feeds = { input: irisInput(IRIS_ROWS) }
      const expected = plain(await local.run(feeds))
      assert.deepEqual(plain(await threaded.run(feeds)), expected)
      const onlyLabel = await threaded.run(feeds, ['label'])
      assert.deepEqual(Object.keys(onlyLabel), ['label'])
      assert.deepEqual(plain(onlyLabel).label, expected.label)
    } finally {
      await local.release()
      await threaded.release()
    }
  })

  it('keeps the event loop turning while a long run computes, which a session on the loop cannot', async () => {
    const mlp = buildMlpModel()
    const rows = 512
    const feeds = { input: new ort.Tensor('float32', new Float32Array(rows * DEFAULT_MLP_OPTIONS.inputs).fill(0.25), [rows, DEFAULT_MLP_OPTIONS.inputs]) }
    const local = await ort.InferenceSession.create(mlp, OPTIONS)
    const threaded: ModelSession = await threads.open(mlp, OPTIONS)
    try {
      const [inputName] = local.inputNames
      assert.equal(inputName, 'input')
      assert.equal(await turnsDuring(local.run(feeds)), 0, 'onnxruntime-node runs on the JS thread: no turn while it computes')
      assert.ok(await turnsDuring(threaded.run(feeds)) > 0, 'the loop turned while the inference thread computed')
      assert.deepEqual(plain(await threaded.run(feeds)), plain(await local.run(feeds)))
    } finally {
      await local.release()
      await threaded.release()
    }
  })

  it('returns a failed run as an error and goes on serving', async () => {
    const threaded = await threads.open(iris, OPTIONS)
    try {
      await assert.rejects(threaded.run({ input: new ort.Tensor('float32', new Float32Array(3), [1, 3]) }), /dimension|shape|Got invalid/i)
      const results = await threaded.run({ input: irisInput(IRIS_ROWS.slice(0, 1)) })
      assert.equal(Number((results.label as ort.Tensor).data[0]), 0)
    } finally {
      await threaded.release()
    }
  })

  it('refuses a released session and an unloadable model with clear errors', async () => {
    const threaded = await threads.open(iris, OPTIONS)
    await threaded.release()
    await assert.rejects(threaded.run({ input: irisInput(IRIS_ROWS) }), /no session/)
    await assert.rejects(threads.open(new Uint8Array([1, 2, 3, 4]), OPTIONS), Error)
  })

  it('starts no thread before a session needs one, then one per session up to its count', async () => {
    const own = new InferenceThreads(2)
    try {
      assert.equal(own.running, 0)
      const sessions = [await own.open(iris, OPTIONS), await own.open(iris, OPTIONS), await own.open(iris, OPTIONS)]
      assert.equal(own.running, 2)
      for (const session of sessions) await session.release()
    } finally {
      await own.close()
    }
    assert.throws(() => new InferenceThreads(0), RangeError)
  })

  it('fails the runs of a thread that dies, logs it, and opens later sessions on a new thread', async () => {
    // A stand-in thread that opens anything (no tensors) and dies on its first run.
    const dying = `
      const { parentPort } = require('node:worker_threads')
      parentPort.on('message', (request) => {
        if (request.op === 'open') parentPort.postMessage({ id: request.id, op: 'open', inputMetadata: [], outputMetadata: [] })
        else process.exit(3)
      })`
    const log = new PassThrough()
    let logged = ''
    log.setEncoding('utf8').on('data', (chunk: string) => (logged += chunk))
    const own = new InferenceThreads(1, createLogger({ level: 'error', stream: log }), () => new Worker(dying, { eval: true }))
    try {
      const first = await own.open(iris, OPTIONS)
      assert.equal(own.running, 1)
      await assert.rejects(first.run({ input: irisInput(IRIS_ROWS) }), /inference thread stopped \(exit code 3\)/)
      assert.equal(own.running, 0, 'the dead thread is dropped')
      await assert.rejects(first.run({ input: irisInput(IRIS_ROWS) }), /exit code 3/, 'its sessions keep failing, they do not hang')
      const line = JSON.parse(logged.trim().split('\n')[0] ?? '{}') as { level?: string; message?: string; sessions?: number }
      assert.deepEqual([line.level, line.message, line.sessions], ['error', 'inference thread died; its sessions fail until their models are reloaded', 1])
      const second = await own.open(iris, OPTIONS)
      assert.equal(own.running, 1, 'a later load starts a new thread')
      await assert.rejects(second.run({ input: irisInput(IRIS_ROWS) }), /exit code 3/)
    } finally {
      await own.close()
    }
  })

  it('fails runs after close() instead of hanging', async () => {
    const own = new InferenceThreads(1)
    const threaded = await own.open(iris, OPTIONS)
    await own.close()
    await assert.rejects(threaded.run({ input: irisInput(IRIS_ROWS) }), /stopping/)
  })
})

describe('openVersion with inference threads', () => {
  const threads = new InferenceThreads(1)
  after(() => threads.close())

  async function open(file: string, options: Parameters<typeof openVersion>[4]) {
    return openVersion('m', '1', await readModelFile(file), BARE_METADATA, options)
  }

  it('keeps a version whose run is quicker than threadAboveMicroseconds on the event loop, and moves a slower one', async () => {
    const file = join(await demoModelsDir(), 'iris', '1', 'model.onnx')
    const quick = await open(file, { threads, threadAboveMicroseconds: 10_000_000 })
    const slow = await open(file, { threads, threadAboveMicroseconds: 1 })
    const every = await open(file, { threads, threadAboveMicroseconds: 0 })
    const none = await open(file, {})
    try {
      assert.deepEqual([quick.runsOn, slow.runsOn, every.runsOn, none.runsOn], ['event-loop', 'inference-thread', 'inference-thread', 'event-loop'])
      for (const timed of [quick, slow, none]) assert.ok((timed.rowRunMicros ?? 0) > 0, 'timed on the event loop at load')
      assert.equal(every.rowRunMicros, undefined, 'never ran on the event loop')
      const feeds = { input: irisInput(IRIS_ROWS) }
      const expected = plain(await none.session.run(feeds))
      for (const version of [quick, slow, every]) assert.deepEqual(plain(await version.session.run(feeds)), expected)
    } finally {
      for (const version of [quick, slow, every, none]) await version.session.release()
    }
  })
})

describe('inference.threads through the gateway', () => {
  let threaded: TestServer
  let inline: TestServer
  before(async () => {
    threaded = await startServer({ config: { inference: { threads: 1, threadAboveMicroseconds: 0 }, cache: { enabled: false } } })
    inline = await startServer({ config: { inference: { threads: 0 }, cache: { enabled: false } } })
  })
  after(async () => {
    await threaded.close()
    await inline.close()
  })

  it('places every version as configured', () => {
    for (const [server, runsOn] of [[threaded, 'inference-thread'], [inline, 'event-loop']] as const) {
      const names = server.runtime.registry.list().map((model) => model.name)
      assert.ok(names.length > 0)
      for (const name of names) assert.equal(server.runtime.registry.resolve(name).runsOn, runsOn, name)
    }
  })

  it('answers v1 predict and v2 infer as the event-loop sessions do', async () => {
    const answers = await Promise.all([threaded, inline].map(async (server) => {
      const token = server.token(['user'])
      const predict = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: IRIS_ROWS }, token)
      assert.equal(predict.status, 200)
      const infer = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS.flat() }] }, token)
      assert.equal(infer.status, 200)
      const v1 = (await predict.json()) as Record<string, unknown>
      delete v1.request_id
      const v2 = (await infer.json()) as Record<string, unknown>
      delete v2.id
      return { v1, v2 }
    }))
    assert.deepEqual(answers[0], answers[1])
    assert.deepEqual((answers[0]?.v1 as { predictions: unknown }).predictions, ['setosa', 'versicolor', 'virginica'])
  })
})

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import ort from 'onnxruntime-node'
import type { InferenceThreads } from './inference-threads/pool.js'
import type { LoadedVersion } from './loaded-version.js'
import { LoadFailure } from './load-failure.js'
import type { ModelMetadata } from './metadata.js'
import { onEventLoop, type ModelSession } from './session-handle.js'
import { describeValues, type TensorSpec } from './tensor-io.js'

/** Session options that apply to every model. */
export interface SessionOptions {
  intraOpNumThreads?: number
  interOpNumThreads?: number
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
  /** Inference threads for versions whose runs are slow (see openVersion). */
  threads?: InferenceThreads
  /** A version whose one-row run takes at least this long goes onto an inference thread; 0: every version. */
  threadAboveMicroseconds?: number
}

/** The bytes of a model file and their sha256 (hex). */
export interface ModelFile {
  bytes: Uint8Array
  digest: string
}

/** Reads a model file once; the digest decides whether a reload needs a new session. */
export async function readModelFile(path: string): Promise<ModelFile> {
  const bytes = await readFile(path)
  return { bytes, digest: createHash('sha256').update(bytes).digest('hex') }
}

/** Opens one version: checks the digest, opens the session, checks IO against metadata, warms up. */
export async function loadVersion(
  model: string,
  version: string,
  path: string,
  metadata: ModelMetadata,
  options: SessionOptions = {},
): Promise<LoadedVersion> {
  return openVersion(model, version, await readModelFile(path), metadata, options)
}

/**
 * Opens a version from bytes already read; a session that fails a check is released before the
 * error is thrown. With inference threads, a version whose one-row run takes at least
 * `threadAboveMicroseconds` is moved onto one (all of them when that is 0), so a heavy model
 * never holds up the event loop while light ones skip the copy to and from the thread.
 */
export async function openVersion(
  model: string,
  version: string,
  file: ModelFile,
  metadata: ModelMetadata,
  options: SessionOptions = {},
): Promise<LoadedVersion> {
  const expected = metadata.sha256?.[version]
  if (expected !== undefined && expected.toLowerCase() !== file.digest) {
    throw new LoadFailure('digest_mismatch', `sha256 mismatch for version ${version}: expected ${expected.toLowerCase()}, file has ${file.digest}`)
  }
  const { threads, threadAboveMicroseconds = 0, ...ortOptions } = options
  const sessionOptions = { ...ortOptions, logSeverityLevel: 3 as const }
  const identity = { model, version, metadata, digest: file.digest }
  if (threads !== undefined && threadAboveMicroseconds === 0) {
    return (await openChecked(identity, 'inference-thread', () => threads.open(file.bytes, sessionOptions))).loaded
  }
  const local = await openChecked(identity, 'event-loop', async () => onEventLoop(await ort.InferenceSession.create(file.bytes, sessionOptions)))
  const rowRunMicros = local.runMicros === undefined ? undefined : Math.round(local.runMicros)
  if (threads === undefined || rowRunMicros === undefined || rowRunMicros < threadAboveMicroseconds) return Object.freeze({ ...local.loaded, rowRunMicros })
  try {
    const moved = await openChecked(identity, 'inference-thread', () => threads.open(file.bytes, sessionOptions))
    return Object.freeze({ ...moved.loaded, rowRunMicros })
  } finally {
    await local.loaded.session.release().catch(() => undefined)
  }
}

/** What a LoadedVersion is, apart from its session and what the session tells. */
interface VersionIdentity {
  model: string
  version: string
  metadata: ModelMetadata
  digest: string
}

/** Opens a session, checks its interface and warms it up; on the event loop, the warm-up is timed too. */
async function openChecked(
  identity: VersionIdentity,
  runsOn: LoadedVersion['runsOn'],
  open: () => Promise<ModelSession>,
): Promise<{ loaded: LoadedVersion; runMicros: number | undefined }> {
  let session: ModelSession
  try {
    session = await open()
  } catch (err) {
    throw new LoadFailure('invalid_onnx', `not a loadable ONNX model: ${firstLine(err)}`, { cause: err })
  }
  try {
    const inputs = describeValues(session.inputMetadata)
    const outputs = describeValues(session.outputMetadata)
    const rowApi = checkInterface(inputs, outputs, identity.metadata)
    const loaded: LoadedVersion = Object.freeze({ ...identity, session, runsOn, inputs, outputs, ...rowApi, loadedAt: new Date() })
    return { loaded, runMicros: await warmUp(loaded, runsOn === 'event-loop' ? 2 : 0) }
  } catch (err) {
    await session.release().catch(() => undefined)
    throw err
  }
}

/**
 * Checks model.yaml against the session and decides whether the v1 row API can serve the model:
 * it needs one float [batch, features] input. Any other model loads too, for the Open Inference
 * Protocol; only a contradiction between model.yaml and the file refuses the load.
 */
function checkInterface(inputs: TensorSpec[], outputs: TensorSpec[], metadata: ModelMetadata): { featureCount: number; rowApiError?: string } {
  for (const name of [metadata.outputs?.label, metadata.outputs?.probabilities]) {
    if (name !== undefined && !outputs.some((output) => output.name === name)) {
      throw new LoadFailure('metadata_mismatch', `model.yaml names output ${name}, which the model does not have`)
    }
  }
  const notRows = rowShapeProblem(inputs)
  if (notRows !== undefined) {
    if (metadata.features !== undefined) throw new LoadFailure('metadata_mismatch', `model.yaml lists features, but the model ${notRows}`)
    return { featureCount: 0, rowApiError: notRows }
  }
  const input = inputs[0] as TensorSpec
  const declared = input.shape[1] ?? -1
  const features = metadata.features?.length ?? declared
  if (features <= 0) return { featureCount: 0, rowApiError: `has a dynamic feature dimension and model.yaml lists no features` }
  if (declared > 0 && declared !== features) {
    throw new LoadFailure('metadata_mismatch', `model.yaml lists ${features} features; input ${input.name} takes ${declared}`)
  }
  return { featureCount: features }
}

function rowShapeProblem(inputs: TensorSpec[]): string | undefined {
  const [input, ...others] = inputs
  if (input === undefined || others.length > 0) return `takes ${inputs.length} input tensors`
  if (input.dtype !== 'float32' && input.dtype !== 'float64') return `takes a ${input.dtype} input`
  if (input.shape.length !== 2) return `takes an input of rank ${input.shape.length}`
  return undefined
}

/**
 * Runs the version once on zeros (that run pays one-time allocations), then `timedRuns` more,
 * timed. Resolves with the quickest timed run's microseconds; undefined when none was timed or the
 * model cannot be fed zeros.
 */
async function warmUp(loaded: LoadedVersion, timedRuns: number): Promise<number | undefined> {
  const feeds: Record<string, ort.Tensor> = {}
  for (const input of loaded.inputs) {
    // Dynamic dimensions are warmed up with 1 (contract.md, "HTTP routes"); the feature dimension
    // of a row model comes from model.yaml when the file leaves it dynamic.
    const dims = input.shape.map((dim, axis) => (dim > 0 ? dim : axis === 1 && loaded.featureCount > 0 ? loaded.featureCount : 1))
    const tensor = zeroTensor(input.dtype, dims)
    // A model with a map or sequence input cannot be fed a zero tensor; it loads without warm-up.
    if (tensor === undefined) return undefined
    feeds[input.name] = tensor
  }
  try {
    await loaded.session.run(feeds)
    let quickest: number | undefined
    for (let run = 0; run < timedRuns; run += 1) quickest = Math.min(quickest ?? Infinity, await timedRun(loaded.session, feeds))
    return quickest
  } catch (err) {
    throw new LoadFailure('warmup_failed', `warm-up inference failed: ${firstLine(err)}`, { cause: err })
  }
}

/**
 * Microseconds of one run, counted from the event-loop turn it starts in: onnxruntime-node starts
 * a run from setImmediate, and this clock starts in the immediate queued just before it, so time
 * spent waiting for the loop (while another model loads beside this one) is left out.
 */
async function timedRun(session: ModelSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  let started = performance.now()
  setImmediate(() => {
    started = performance.now()
  })
  await session.run(feeds)
  return (performance.now() - started) * 1000
}

function zeroTensor(dtype: string, dims: number[]): ort.Tensor | undefined {
  const size = dims.reduce((product, dim) => product * dim, 1)
  switch (dtype) {
    case 'float32': return new ort.Tensor('float32', new Float32Array(size), dims)
    case 'float64': return new ort.Tensor('float64', new Float64Array(size), dims)
    case 'float16': return new ort.Tensor('float16', new Uint16Array(size), dims)
    case 'int8': return new ort.Tensor('int8', new Int8Array(size), dims)
    case 'uint8': return new ort.Tensor('uint8', new Uint8Array(size), dims)
    case 'int16': return new ort.Tensor('int16', new Int16Array(size), dims)
    case 'uint16': return new ort.Tensor('uint16', new Uint16Array(size), dims)
    case 'int32': return new ort.Tensor('int32', new Int32Array(size), dims)
    case 'uint32': return new ort.Tensor('uint32', new Uint32Array(size), dims)
    case 'int64': return new ort.Tensor('int64', new BigInt64Array(size), dims)
    case 'uint64': return new ort.Tensor('uint64', new BigUint64Array(size), dims)
    case 'bool': return new ort.Tensor('bool', new Uint8Array(size), dims)
    case 'string': return new ort.Tensor('string', Array.from({ length: size }, () => ''), dims)
    default: return undefined
  }
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  // ONNX Runtime messages can carry absolute paths of the build; keep only the gist.
  return (message.split('\n')[0] ?? '').replace(/\/[^\s:]+\//g, '').slice(0, 200)
}

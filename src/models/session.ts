import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import ort from 'onnxruntime-node'
import type { LoadedVersion } from './loaded-version.js'
import type { ModelMetadata } from './metadata.js'
import { describeValues, type TensorSpec } from './tensor-io.js'

/** Session options that apply to every model. */
export interface SessionOptions {
  intraOpNumThreads?: number
  interOpNumThreads?: number
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
}

/** Opens one version: checks the digest, opens the session, checks IO against metadata, warms up. */
export async function loadVersion(
  model: string,
  version: string,
  path: string,
  metadata: ModelMetadata,
  options: SessionOptions = {},
): Promise<LoadedVersion> {
  const bytes = await readFile(path)
  const digest = createHash('sha256').update(bytes).digest('hex')
  const expected = metadata.sha256?.[version]
  if (expected !== undefined && expected.toLowerCase() !== digest) {
    throw new Error(`sha256 mismatch for version ${version}: expected ${expected.toLowerCase()}, file has ${digest}`)
  }
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(bytes, { ...options, logSeverityLevel: 3 })
  } catch (err) {
    throw new Error(`not a loadable ONNX model: ${firstLine(err)}`, { cause: err })
  }
  const inputs = describeValues(session.inputMetadata)
  const outputs = describeValues(session.outputMetadata)
  const featureCount = checkInterface(inputs, outputs, metadata)
  const loaded: LoadedVersion = Object.freeze({
    model, version, session, metadata, inputs, outputs, featureCount, digest, loadedAt: new Date(),
  })
  await warmUp(loaded)
  return loaded
}

function checkInterface(inputs: TensorSpec[], outputs: TensorSpec[], metadata: ModelMetadata): number {
  const [input, ...others] = inputs
  if (input === undefined || others.length > 0) throw new Error(`expected one input tensor, model has ${inputs.length}`)
  if (input.dtype !== 'float32' && input.dtype !== 'float64') throw new Error(`input ${input.name} is ${input.dtype}; expected float32 or float64`)
  if (input.shape.length !== 2) throw new Error(`input ${input.name} has rank ${input.shape.length}; expected [batch, features]`)
  const declared = input.shape[1] ?? -1
  const features = metadata.features?.length ?? declared
  if (features <= 0) throw new Error(`input ${input.name} has a dynamic feature dimension; list features in model.yaml`)
  if (declared > 0 && declared !== features) {
    throw new Error(`model.yaml lists ${features} features; input ${input.name} takes ${declared}`)
  }
  for (const name of [metadata.outputs?.label, metadata.outputs?.probabilities]) {
    if (name !== undefined && !outputs.some((output) => output.name === name)) {
      throw new Error(`model.yaml names output ${name}, which the model does not have`)
    }
  }
  return features
}

async function warmUp(loaded: LoadedVersion): Promise<void> {
  const input = loaded.inputs[0]
  if (input === undefined) return
  // Dynamic dimensions are warmed up with 1 (contract.md, "HTTP routes").
  const data = input.dtype === 'float64' ? new Float64Array(loaded.featureCount) : new Float32Array(loaded.featureCount)
  const tensor = new ort.Tensor(input.dtype === 'float64' ? 'float64' : 'float32', data, [1, loaded.featureCount])
  try {
    await loaded.session.run({ [input.name]: tensor })
  } catch (err) {
    throw new Error(`warm-up inference failed: ${firstLine(err)}`, { cause: err })
  }
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  // ONNX Runtime messages can carry absolute paths of the build; keep only the gist.
  return (message.split('\n')[0] ?? '').replace(/\/[^\s:]+\//g, '').slice(0, 200)
}

import { ApiError } from '../errors/api-error.js'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Metrics } from '../observability/metrics.js'
import { timeStageSync } from '../observability/stage-timer.js'
import type { RoleMap } from '../security/rbac.js'
import { AuthorizingDoor, type DoorRequest } from './door-request.js'
import type { InferenceCore, ShadowCall } from './inference-core.js'
import { sameAnswer } from './shadow.js'
import { checkInferRequest, type TensorLimits, type TensorRequest } from './tensor-input.js'
import { fromOrtTensor, toOrtTensor, type OutputTensor } from './tensor-json.js'
import type { Tensors } from './tensors.js'

export type { OutputTensor } from './tensor-json.js'

/** One Open Inference Protocol request, from any door: the body is the protocol's inference request. */
export interface TensorDoorRequest extends DoorRequest {
  /** `{"id"?, "inputs": [{name, shape, datatype, data}], "outputs"?: [{name}]}` */
  body: unknown
}

/** The outputs of one inference on one version, as the protocol answers them. */
export interface TensorAnswer {
  model: string
  version: string
  /** The request's id, echoed when it sent one. */
  id?: string
  outputs: OutputTensor[]
}

/** What the tensor door needs. */
export interface TensorDoorOptions {
  registry: ModelRegistry
  core: InferenceCore
  metrics: Metrics
  roleMap: RoleMap
  limits: TensorLimits
}

// Keyed by the outputs object: a cached answer's tensors become JSON once, however often served.
const converted = new WeakMap<Tensors, Map<string, OutputTensor>>()

/**
 * The transport-free way in for tensors (Open Inference Protocol v2): authorize as RowDoor does,
 * check the request against the version's inputs, then the same inference core as rows, so the
 * same input is computed once whichever door sent it.
 */
export class TensorDoor extends AuthorizingDoor<TensorDoorOptions> {
  /** Infers one request; the route must come from authorize(). */
  async infer(request: TensorDoorRequest, route = this.authorize(request.principal, request.model, request.version, request.door)): Promise<TensorAnswer> {
    const { core, metrics, limits } = this.options
    const version = route.primary
    const body = request.body ?? missingBody()
    const checked = timeStageSync(metrics, 'validate', request.door, () => checkInferRequest(version, body, limits))
    const shadow = route.shadow === undefined ? undefined : this.#shadow(route.shadow, body, checked.outputs)
    const outputs = await core.infer(version, tensorFeeds(checked), { door: request.door, bypassCache: request.bypassCache === true, shadow })
    return {
      model: version.model,
      version: version.version,
      ...(checked.id === undefined ? {} : { id: checked.id }),
      outputs: checked.outputs.map((name) => outputTensor(outputs, name)),
    }
  }

  /** The shadow copy: checked for the shadow version, agreeing when every requested output has the same shape and values. */
  #shadow(shadow: LoadedVersion, body: unknown, names: readonly string[]): ShadowCall {
    return {
      version: shadow,
      feeds: () => tensorFeeds(checkInferRequest(shadow, body, this.options.limits)),
      agree: (mine, theirs) =>
        names.every((name) => {
          const a = outputTensor(mine, name)
          const b = theirs[name] === undefined ? undefined : outputTensor(theirs, name)
          return b !== undefined && sameAnswer(a.shape, b.shape) && sameAnswer(a.data, b.data)
        }),
    }
  }
}

function tensorFeeds(request: TensorRequest): Tensors {
  return Object.fromEntries(request.inputs.map((input) => [input.name, toOrtTensor(input)]))
}

function outputTensor(outputs: Tensors, name: string): OutputTensor {
  let byName = converted.get(outputs)
  if (byName === undefined) {
    byName = new Map()
    converted.set(outputs, byName)
  }
  let tensor = byName.get(name)
  if (tensor === undefined) {
    const source = outputs[name]
    if (source === undefined) throw new Error(`the session returned no output ${name}`)
    tensor = fromOrtTensor(name, source)
    byName.set(name, tensor)
  }
  return tensor
}

function missingBody(): never {
  throw new ApiError('invalid_input', 'a JSON inference request with "inputs" is required')
}

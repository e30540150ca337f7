import { ApiError } from '../errors/api-error.js'
import { assertRowApi } from '../models/loaded-version.js'
import type { ModelRegistry, Route } from '../models/registry.js'
import type { Metrics } from '../observability/metrics.js'
import { timeStageSync } from '../observability/stage-timer.js'
import { hasPermission, modelAllows, type RoleMap } from '../security/rbac.js'
import type { Principal } from '../security/principal.js'
import type { Prediction } from './prediction.js'
import type { Predictor } from './predictor.js'
import { mirrorRows, type ShadowMirror } from './shadow.js'
import type { ValidatorCache } from './validators.js'

/** Which door a request came through; a label on the stage histograms. */
export type Door = 'http' | 'mqtt' | 'nats' | 'file' | 'console'

/** One v1-style request, from any door: who asks, which model, and the predict body. */
export interface RowRequest {
  /** The verified identity; undefined is refused like a token without the permission. */
  principal: Principal | undefined
  model: string
  /** A version number or alias; the model's routing (default, canary) when absent. */
  version?: string
  /** The v1 predict body: `{"inputs": [...]}` with rows or feature objects. */
  body: unknown
  /** Skip the cache lookup; the answer is still stored. */
  bypassCache?: boolean
  door: Door
}

/** What the row door needs. */
export interface RowDoorOptions {
  registry: ModelRegistry
  predictor: Predictor
  validators: ValidatorCache
  metrics: Metrics
  roleMap: RoleMap
  shadows?: ShadowMirror
}

/**
 * The transport-free way in for rows: authorize (permission, the model's own roles, the
 * version), validate against the version's schema, then the prediction core. HTTP v1, streams,
 * files and the console all call this; errors are ApiErrors from the shared catalog.
 */
export class RowDoor {
  constructor(private readonly options: RowDoorOptions) {}

  /** Resolves the route a request will take, after its permission and the model's roles are checked. */
  authorize(principal: Principal | undefined, model: string, version: string | undefined): Route {
    const { registry, roleMap, metrics } = this.options
    return timeStageSync(metrics, 'authorize', () => {
      if (principal === undefined || !hasPermission(principal.roles, 'predict', roleMap)) {
        throw new ApiError('insufficient_scope', 'this route needs the predict permission')
      }
      const state = registry.get(model)
      if (state === undefined) throw new ApiError('not_found', `model "${model}" not found`)
      if (!modelAllows(state.metadata.roles, principal.roles)) {
        throw new ApiError('insufficient_scope', `your roles may not call model "${model}"`)
      }
      return registry.route(model, version, principal.subject)
    })
  }

  /** Scores the rows of one request; the route must come from authorize(). */
  async score(request: RowRequest, route = this.authorize(request.principal, request.model, request.version)): Promise<Prediction> {
    const { predictor, validators, metrics, shadows } = this.options
    const version = route.primary
    const body = request.body ?? missingBody()
    const rows = timeStageSync(metrics, 'validate', () => {
      assertRowApi(version)
      return validators.for(version)(body)
    })
    const prediction = await predictor.predict(version, rows, { bypassCache: request.bypassCache === true })
    if (route.shadow !== undefined && shadows !== undefined) mirrorRows(shadows, predictor, validators, route.shadow, body, prediction)
    return prediction
  }
}

function missingBody(): never {
  throw new ApiError('invalid_input', 'a JSON body with "inputs" is required')
}

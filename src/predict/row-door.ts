import type { DriftMonitor } from '../drift/drift-monitor.js'
import type { PayloadLog } from '../drift/payload-log.js'
import { ApiError } from '../errors/api-error.js'
import { assertRowApi, type LoadedVersion } from '../models/loaded-version.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Metrics } from '../observability/metrics.js'
import { timeStageSync } from '../observability/stage-timer.js'
import type { RoleMap } from '../security/rbac.js'
import { AuthorizingDoor, type DoorRequest } from './door-request.js'
import type { CacheResult, InferCall, InferenceCore, ShadowCall } from './inference-core.js'
import type { Prediction } from './prediction.js'
import type { Tensors } from './tensors.js'
import { answerColumns, cachedRowPrediction, rowAnswer, rowFeeds, rowPrediction, type AnswerColumns } from './row-answer.js'
import { matrixFeeds, matrixRows, type RowMatrix } from './row-matrix.js'
import { sameAnswer } from './shadow.js'
import type { ValidatorCache } from './validators.js'

export type { Door } from '../observability/doors.js'

/** One v1-style request, from any door: who asks, which model, and the predict body. */
export interface RowRequest extends DoorRequest {
  /** The v1 predict body: `{"inputs": [...]}` with rows or feature objects. */
  body: unknown
  /** Told whether the answer came from the prediction cache. */
  onCache?: InferCall['onCache']
}

/** Rows in bulk from any door: the same as a RowRequest, with a row matrix for the body. */
export interface MatrixRequest extends Omit<DoorRequest, 'body'> {
  matrix: RowMatrix
}

/** The answer to a matrix request: the version that answered and the answer in columns. */
export interface ColumnPrediction extends AnswerColumns {
  model: string
  version: string
}

/** What the row door needs. */
export interface RowDoorOptions {
  registry: ModelRegistry
  core: InferenceCore
  validators: ValidatorCache
  metrics: Metrics
  roleMap: RoleMap
  /** Takes every validated request's rows and predictions into its version's drift window. */
  drift?: DriftMonitor
  /** Writes a sample of requests of models with `payloadLog` in model.yaml. */
  payloadLog?: PayloadLog
}

/**
 * The transport-free way in for rows: authorize (permission, the model's own roles, the
 * version), validate against the version's schema, then the inference core, whose output
 * tensors become labels and probabilities. HTTP v1, streams, files and the console all call
 * this; errors are ApiErrors from the shared catalog.
 */
export class RowDoor extends AuthorizingDoor<RowDoorOptions> {
  /** Scores the rows of one request; the route must come from authorize(). */
  async score(request: RowRequest, route = this.authorize(request.principal, request.model, request.version, request.door)): Promise<Prediction> {
    const { core, validators, metrics } = this.options
    const version = route.primary
    const body = request.body ?? missingBody()
    const rows = timeStageSync(metrics, 'validate', request.door, () => {
      assertRowApi(version)
      return validators.for(version)(body)
    })
    const shadow = route.shadow === undefined ? undefined : this.#shadow(version, route.shadow, (target) => rowFeeds(target, validators.for(target)(body)))
    let cached = false
    const onCache = (result: CacheResult): void => {
      cached = result === 'hit'
      request.onCache?.(result)
    }
    const outputs = await core.infer(version, rowFeeds(version, rows), { door: request.door, bypassCache: request.bypassCache === true, shadow, onCache })
    const prediction = cached ? cachedRowPrediction(version, outputs) : rowPrediction(version, outputs)
    this.options.drift?.observe(version, rows, prediction.predictions)
    this.options.payloadLog?.record(version, rows, prediction)
    return prediction
  }

  /**
   * Scores rows that are already numbers in the model's feature order (files read them so): the
   * same authorize step, the same checks of plain number rows (count, finite, feature ranges, the
   * same messages) and the same core, without a row array or the body's schema walk per row.
   */
  async scoreMatrix(request: MatrixRequest, route = this.authorize(request.principal, request.model, request.version, request.door)): Promise<ColumnPrediction> {
    const { core, validators, metrics, drift, payloadLog } = this.options
    const version = route.primary
    const { matrix } = request
    const feeds = timeStageSync(metrics, 'validate', request.door, () => matrixFeeds(version, matrix, validators.maxRows))
    const shadow = route.shadow === undefined ? undefined : this.#shadow(version, route.shadow, (target) => matrixFeeds(target, matrix, validators.maxRows))
    const outputs = await core.infer(version, feeds, { door: request.door, bypassCache: request.bypassCache === true, shadow })
    const answer = answerColumns(version, outputs)
    if (drift !== undefined || payloadLog !== undefined) {
      const rows = matrixRows(matrix)
      drift?.observe(version, rows, answer.predictions)
      payloadLog?.record(version, rows, rowPrediction(version, outputs))
    }
    return { model: version.model, version: version.version, ...answer }
  }

  /** The shadow copy of a request: its input checked for the shadow version, compared by predictions. */
  #shadow(primary: LoadedVersion, shadow: LoadedVersion, feedsFor: (version: LoadedVersion) => Tensors): ShadowCall {
    return {
      version: shadow,
      feeds: () => {
        assertRowApi(shadow)
        return feedsFor(shadow)
      },
      agree: (mine, theirs) => sameAnswer(rowAnswer(primary, mine).predictions, rowAnswer(shadow, theirs).predictions),
    }
  }
}

function missingBody(): never {
  throw new ApiError('invalid_input', 'a JSON body with "inputs" is required')
}

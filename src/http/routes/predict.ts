import Router from '@koa/router'
import { ApiError } from '../../errors/api-error.js'
import { tabularAnswer, TABULAR_TYPES } from '../../files/http-bodies.js'
import { assertRowApi } from '../../models/loaded-version.js'
import type { ModelRegistry } from '../../models/registry.js'
import { timeStageSync } from '../../observability/stage-timer.js'
import type { Metrics } from '../../observability/metrics.js'
import type { Predictor } from '../../predict/predictor.js'
import { mirrorRows, type ShadowMirror } from '../../predict/shadow.js'
import type { ValidatorCache } from '../../predict/validators.js'
import type { RoleMap } from '../../security/rbac.js'
import { setJsonBody } from '../json-body.js'
import type { AppContext, AppState } from '../state.js'
import { authorizeRoute } from './authorize-route.js'

/** What the predict routes need. */
export interface PredictRouteOptions {
  registry: ModelRegistry
  predictor: Predictor
  validators: ValidatorCache
  metrics: Metrics
  roleMap: RoleMap
  defaultModel: string
  /** Runs the copies for a model's shadow version (model.yaml `shadow`). */
  shadows?: ShadowMirror
}

/** The v1 predict routes: by model, by model and version, and the default model. */
export function predictRoutes(options: PredictRouteOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1' })
  const handle = predictHandler(options)
  router.post('/predict', function predictDefault(ctx) {
    return handle(ctx, options.defaultModel, undefined)
  })
  router.post('/models/:name/predict', function predictModel(ctx) {
    return handle(ctx, ctx.params.name ?? '', undefined)
  })
  router.post('/models/:name/versions/:version/predict', function predictVersion(ctx) {
    return handle(ctx, ctx.params.name ?? '', ctx.params.version)
  })
  return router
}

function predictHandler(options: PredictRouteOptions) {
  const { predictor, validators, metrics } = options
  return async function predict(ctx: AppContext, name: string, versionRef: string | undefined): Promise<void> {
    const route = authorizeRoute(ctx, options, name, versionRef)
    const version = route.primary
    const rows = timeStageSync(metrics, 'validate', () => {
      assertRowApi(version)
      return validators.for(version)(ctx.state.body ?? missingBody())
    })
    const prediction = await predictor.predict(version, rows, {
      bypassCache: /no-cache/i.test(ctx.get('Cache-Control')),
      // Tells the caller (the console shows it) whether the answer came from the prediction cache.
      onCache: (result) => ctx.set('X-Cache', result),
    })
    if (route.shadow !== undefined && options.shadows !== undefined) mirrorRows(options.shadows, predictor, validators, route.shadow, ctx.state.body, prediction)
    timeStageSync(metrics, 'serialize', () => {
      // JSON unless the client asks for a table (Accept: text/csv or application/x-ndjson).
      const accepted = ctx.accepts('application/json', ...TABULAR_TYPES)
      if (accepted === 'text/csv' || accepted === 'application/x-ndjson') {
        ctx.type = accepted
        ctx.body = tabularAnswer(accepted, prediction, version.metadata.labels)
      } else {
        setJsonBody(ctx, { ...prediction, request_id: ctx.state.requestId })
      }
    })
  }
}

function missingBody(): never {
  throw new ApiError('invalid_input', 'a JSON body with "inputs" is required')
}

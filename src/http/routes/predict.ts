import Router from '@koa/router'
import type { Metrics } from '../../observability/metrics.js'
import { timeStageSync } from '../../observability/stage-timer.js'
import type { RowDoor } from '../../predict/row-door.js'
import { doorCall, postModelAction, type ModelCallHandler } from '../door-call.js'
import { setJsonBody } from '../json-body.js'
import type { AppState } from '../state.js'

/** What the predict routes need. */
export interface PredictRouteOptions {
  /** The transport-free door for rows: access guard, validation and the inference core. */
  door: RowDoor
  metrics: Metrics
  defaultModel: string
}

/** The v1 predict routes: by model, by model and version, and the default model. */
export function predictRoutes(options: PredictRouteOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1' })
  const handle = predictHandler(options)
  router.post('/predict', function predictDefault(ctx) {
    return handle(ctx, options.defaultModel, undefined)
  })
  postModelAction(router, 'predict', handle)
  return router
}

function predictHandler({ door, metrics }: PredictRouteOptions): ModelCallHandler {
  return async function predict(ctx, name, versionRef) {
    const { request, route } = doorCall(ctx, door, name, versionRef)
    const prediction = await door.score(request, route)
    timeStageSync(metrics, 'serialize', 'http', () => setJsonBody(ctx, { ...prediction, request_id: ctx.state.requestId }))
  }
}

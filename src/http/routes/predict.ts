import Router from '@koa/router'
import { tabularAnswer, TABULAR_TYPES } from '../../files/http-bodies.js'
import type { Metrics } from '../../observability/metrics.js'
import { timeStageSync } from '../../observability/stage-timer.js'
import type { RowDoor } from '../../predict/row-door.js'
import { doorCall, postModelAction, type ModelCallHandler } from '../door-call.js'
import { setJsonBody } from '../json-body.js'
import type { AppState } from '../state.js'
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi'
import { z } from 'zod'
import { predictBodySchema } from '../../predict/input-schema.js'
import { responseSchemas, type OpenApiSection } from '../openapi.js'

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
    // Tells the caller (the console shows it) whether the answer came from the prediction cache.
    const prediction = await door.score({ ...request, onCache: (result) => ctx.set('X-Cache', result) }, route)
    timeStageSync(metrics, 'serialize', 'http', () => {
      // JSON unless the client asks for a table (Accept: text/csv or application/x-ndjson); most
      // clients send no Accept or a plain one, which needs no negotiation.
      const accept = ctx.get('Accept')
      const accepted = accept === '' || accept === '*/*' || accept === 'application/json' ? 'application/json' : ctx.accepts('application/json', ...TABULAR_TYPES)
      if (accepted === 'text/csv' || accepted === 'application/x-ndjson') {
        ctx.type = accepted
        ctx.body = tabularAnswer(accepted, prediction, route.primary.metadata.labels)
      } else {
        setJsonBody(ctx, { ...prediction, request_id: ctx.state.requestId })
      }
    })
  }
}

/** The OpenAPI paths of the predict routes; `maxRows` is the configured row limit, so the documented body matches the validator. */
export function predictOpenApi(maxRows: number): OpenApiSection {
  return (registry, shared) => {
    const body = registry.register(
      'PredictRequest',
      predictBodySchema(maxRows).openapi({
        description: `Rows by position (in the model's feature order) or by feature name; at most ${maxRows} rows. \`null\` is a missing value, handled by the model's NaN policy.`,
      }),
    )
    const request = {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: body,
            examples: {
              positional: {
                summary: 'Rows by position',
                value: {
                  inputs: [
                    [5.1, 3.5, 1.4, 0.2],
                    [6.2, 2.9, 4.3, 1.3],
                  ],
                },
              },
              byName: { summary: 'Rows by feature name', value: { inputs: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] } },
            },
          },
          'text/csv': {
            schema: z.string().openapi({ description: `A header row of feature names, then one row per line; at most ${maxRows} rows. An empty cell is a missing value.` }),
            example: 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n',
          },
          'application/x-ndjson': {
            schema: z.string().openapi({ description: `One row per line: an array by position or an object by feature name; at most ${maxRows} rows.` }),
            example: '[5.1,3.5,1.4,0.2]\n{"sepal_length":6.2,"sepal_width":2.9,"petal_length":4.3,"petal_width":1.3}\n',
          },
        },
      },
      headers: z.object({
        'Cache-Control': z
          .string()
          .optional()
          .openapi({ param: { description: '`no-cache` skips the prediction cache lookup (the answer is still stored)' } }),
      }),
    }
    const responses = {
      200: tabularOk(shared.ok('One prediction per row, in order (a table when `Accept` asks for `text/csv` or `application/x-ndjson`)', responseSchemas.prediction)),
      ...shared.errors(...shared.bodyErrors, 'not_found', 'model_inactive', 'unavailable', ...shared.authenticatedErrors),
    }
    const predict = (path: string, operationId: string, summary: string, params?: RouteConfig['request']): void => {
      registry.registerPath({ method: 'post', path, tags: ['predict'], summary, operationId, security: shared.bearer, request: { ...request, ...params }, responses })
    }
    predict('/api/v1/predict', 'predictDefault', 'Predict with the default model')
    predict('/api/v1/models/{name}/predict', 'predictModel', "Predict with a model's default version", { params: z.object({ name: shared.params.name }) })
    predict('/api/v1/models/{name}/versions/{version}/predict', 'predictVersion', 'Predict with one version', {
      params: z.object({ name: shared.params.name, version: shared.params.version }),
    })
  }
}

/** The JSON answer, and the same predictions as a table: `row`, `prediction`, then a `p_<label>` column per class (CSV) or `probabilities` (JSON Lines). */
function tabularOk(json: ResponseConfig): ResponseConfig {
  return {
    ...json,
    content: {
      ...json.content,
      'text/csv': { schema: z.string(), example: 'row,prediction,p_setosa,p_versicolor,p_virginica\n0,setosa,1,0,0\n' },
      'application/x-ndjson': { schema: z.string(), example: '{"row":0,"prediction":"setosa","probabilities":[1,0,0]}\n' },
    },
  }
}

import Router from '@koa/router'
import { z } from 'zod'
import type { DriftMonitor } from '../../drift/drift-monitor.js'
import { defaultVersion } from '../../models/model-state.js'
import type { ModelRegistry } from '../../models/registry.js'
import { guardModel } from '../../security/model-access.js'
import type { RoleMap } from '../../security/rbac.js'
import { withChallenge } from '../middleware/authorize.js'
import type { OpenApiSection } from '../openapi.js'
import type { AppState } from '../state.js'

/** GET /api/v1/models/{name}/drift: the drift of each served version that has a reference profile. */
export function driftRoutes(registry: ModelRegistry, monitor: DriftMonitor, roleMap: RoleMap): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/models' })
  router.get('/:name/drift', function describeDrift(ctx) {
    const model = withChallenge(() => guardModel(registry, ctx.state.principal, 'models:read', ctx.params.name ?? '', roleMap))
    const versions = [...model.versions.values()].flatMap((state) => {
      const report = state.status === 'inactive' || state.loaded === undefined ? undefined : monitor.report(state.loaded)
      return report === undefined ? [] : [{ version: state.version, ...report }]
    })
    // The default version's drift is repeated at the top, where a dashboard or a script looks first.
    const preferred = versions.find((entry) => entry.version === defaultVersion(model)) ?? versions[0]
    ctx.body = {
      model: model.name,
      ...(preferred ?? { version: null, window: 0, features: {}, classes: {} }),
      thresholds: monitor.options.thresholds,
      versions,
      request_id: ctx.state.requestId,
    }
  })
  return router
}

const featureDrift = z.object({
  psi: z.number(),
  mean: z.number().nullable(),
  reference_mean: z.number(),
  out_of_range_share: z.number(),
  status: z.enum(['ok', 'warn', 'alert']),
  window: z.number().int(),
})

const versionDrift = z.object({
  version: z.string().nullable(),
  window: z.number().int(),
  features: z.record(z.string(), featureDrift),
  classes: z.record(z.string(), z.object({ share: z.number(), reference_share: z.number() })),
  /** A regression's predicted values against the profile's prediction bins. */
  prediction: featureDrift.optional(),
})

/** The OpenAPI path of the drift route. */
export const driftOpenApi: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/models/{name}/drift',
    tags: ['models'],
    summary: 'Input drift of the recent rows against the reference profile',
    operationId: 'describeDrift',
    security: shared.bearer,
    description:
      'Per feature: PSI, mean, reference mean, out-of-range share and status (ok below `drift.thresholds.warn`, warn up to `alert`, alert above); per class: the share of predictions; for a regression, `prediction` grades the predicted values the same way as a feature. Only versions with a profile.json are tracked.',
    request: { params: z.object({ name: shared.params.name }) },
    responses: {
      200: shared.ok(
        'The drift of the default version, and of every tracked version',
        versionDrift.extend({
          model: z.string(),
          thresholds: z.object({ warn: z.number(), alert: z.number() }),
          versions: z.array(versionDrift),
          request_id: z.string(),
        }),
      ),
      ...shared.errors('not_found', ...shared.authenticatedErrors),
    },
  })
}

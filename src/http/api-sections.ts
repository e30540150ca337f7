import type { OpenApiSection } from './openapi.js'
import { adminOpenApi } from './routes/admin.js'
import { docsOpenApi } from './routes/docs.js'
import { driftOpenApi } from './routes/drift.js'
import { healthOpenApi } from './routes/health.js'
import { metricsOpenApi } from './routes/metrics.js'
import { modelsOpenApi } from './routes/models.js'
import { oipOpenApi } from './routes/oip-v2.js'
import { predictOpenApi } from './routes/predict.js'

/** Every router's OpenAPI section, in the document's order; each sits beside its route. */
export function apiSections(options: { maxRows: number }): OpenApiSection[] {
  return [healthOpenApi, docsOpenApi, modelsOpenApi, driftOpenApi, predictOpenApi(options.maxRows), adminOpenApi, metricsOpenApi, oipOpenApi]
}

import { z } from 'zod'
import type { OpenApiSection } from './openapi.js'

/**
 * The console's paths in the OpenAPI document: the page and its files, GET /api/v1/me and
 * GET /api/v1/metrics/summary. Schemas are made when the document is built, after openapi.ts
 * has extended zod with `.openapi()`. POST /demo/token is documented beside its route
 * (routes/demo-token.ts), in development only, where it exists.
 */
export const consoleOpenApiSection: OpenApiSection = (registry, shared) => {
  consolePages(registry, shared)
  whoami(registry, shared)
  metricsSummary(registry, shared)
}

const requestIdHeader = { 'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' } }

/** GET / and GET /console/{file}: the page and its hashed files. */
const consolePages: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'get',
    path: '/',
    tags: ['console'],
    summary: 'The web console',
    operationId: 'consolePage',
    security: [],
    responses: {
      200: { description: 'The console page (`Cache-Control: no-cache`)', content: { 'text/html': { schema: z.string() } } },
      ...shared.errors('rate_limited', 'unavailable'),
    },
  })
  registry.registerPath({
    method: 'get',
    path: '/console/{file}',
    tags: ['console'],
    summary: 'A hashed file of the console',
    operationId: 'consoleFile',
    security: [],
    request: { params: z.object({ file: z.string().openapi({ param: { description: 'A file name from the built page' } }) }) },
    responses: {
      200: {
        description: 'The file, `Cache-Control: public, max-age=31536000, immutable`',
        content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
      },
      ...shared.errors('not_found', 'rate_limited'),
    },
  })
}

/** GET /api/v1/me: who the token speaks for. */
const whoami: OpenApiSection = (registry, shared) => {
  const identity = z
    .strictObject({
      subject: z.string(),
      roles: z.array(z.string()),
      permissions: z.array(z.string()).openapi({ description: 'What the roles allow, from the RBAC map' }),
      expires_at: z.number().int().openapi({ description: 'Token expiry, epoch seconds' }),
      jti: z.string().optional(),
      limits: z.strictObject({ max_rows: z.number().int() }),
      request_id: z.string(),
    })
    .openapi('Identity')
  registry.registerPath({
    method: 'get',
    path: '/api/v1/me',
    tags: ['console'],
    summary: 'Who the token speaks for and what its roles allow',
    operationId: 'whoami',
    security: shared.bearer,
    responses: {
      200: { description: 'The identity', headers: requestIdHeader, content: { 'application/json': { schema: identity } } },
      ...shared.errors('invalid_token', 'insufficient_scope', 'rate_limited', 'internal'),
    },
  })
}

/** GET /api/v1/metrics/summary: the compact JSON the console's Watch view charts. */
const metricsSummary: OpenApiSection = (registry, shared) => {
  const histogram = z.strictObject({ cumulative: z.array(z.number()), sum: z.number(), count: z.number() }).openapi('HistogramTotals')
  const bounds = z.array(z.number().nullable()).openapi({ description: 'Bucket upper bounds; null is +Inf' })
  const summary = z
    .strictObject({
      at: z.number().openapi({ description: 'Epoch milliseconds' }),
      requests: z.strictObject({ total: z.number(), by_class: z.record(z.string(), z.number()) }),
      cache: z.record(z.string(), z.number()),
      latency_bounds: bounds,
      stages: z.record(z.string(), histogram),
      batch_bounds: bounds,
      batch_size: histogram,
      request_id: z.string(),
    })
    .openapi('MetricsSummary')
  registry.registerPath({
    method: 'get',
    path: '/api/v1/metrics/summary',
    tags: ['operations'],
    summary: 'A compact JSON summary of the metrics (admin or metrics role)',
    operationId: 'metricsSummary',
    security: shared.bearer,
    description: 'Totals since start, so a client takes rates and recent percentiles from the difference of two samples.',
    responses: {
      200: { description: 'The summary', headers: requestIdHeader, content: { 'application/json': { schema: summary } } },
      ...shared.errors('invalid_token', 'insufficient_scope', 'rate_limited', 'internal'),
    },
  })
}

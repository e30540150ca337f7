import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { compileErrors, validate } from '@readme/openapi-parser'
import type Router from '@koa/router'
import type Koa from 'koa'
import type { z } from 'zod'
import { oipErrorSchema, oipResponseSchemas, responseSchemas, type OpenApiDocument } from '../../src/http/openapi.js'
import type { AppState } from '../../src/http/state.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** Every method and path the app's mounted routers answer, read from their stacks. */
function mountedRoutes(app: Koa<AppState>): { method: Method; path: string }[] {
  const routes: { method: Method; path: string }[] = []
  for (const middleware of app.middleware) {
    // @koa/router marks the dispatcher that routes() returns with its router.
    const router = (middleware as { router?: Router<AppState> }).router
    if (router === undefined) continue
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (method !== 'HEAD' && typeof layer.path === 'string') routes.push({ method: method.toLowerCase() as Method, path: layer.path.replace(/:(\w+)/g, '{$1}') })
      }
    }
  }
  return routes
}

/** Parses a response body with the documented schema; fails with zod's issues. */
async function assertDocumented(response: Response, status: number, schema: z.ZodType): Promise<void> {
  const text = await response.text()
  assert.equal(response.status, status, text)
  const parsed = schema.safeParse(JSON.parse(text))
  assert.ok(parsed.success, parsed.error?.message)
}

describe('GET /openapi.json', () => {
  let server: TestServer
  let document: OpenApiDocument
  before(async () => {
    server = await startServer({ config: { limits: { maxRows: 7 } } })
    const response = await fetch(`${server.url}/openapi.json`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    document = (await response.json()) as OpenApiDocument
  })
  after(() => server.close())

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(document.openapi, '3.1.0')
    // The parser types documents with openapi-types, the generator with openapi3-ts: same JSON.
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0])
    assert.ok(result.valid, result.valid ? '' : compileErrors(result))
    assert.deepEqual(result.warnings, [])
  })

  it('documents every route the app mounts, and no route it does not', () => {
    const mounted = mountedRoutes(server.runtime.app)
    assert.ok(mounted.length >= 15, `only ${mounted.length} routes found`)
    for (const { method, path } of mounted) assert.ok(document.paths?.[path]?.[method] !== undefined, `${method.toUpperCase()} ${path} is not documented`)
    const known = new Set(mounted.map(({ method, path }) => `${method} ${path}`))
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        if (item[method] !== undefined) assert.ok(known.has(`${method} ${path}`), `${method.toUpperCase()} ${path} is documented but not mounted`)
      }
    }
  })

  it("builds the predict body from the validator's schema and the configured row limit", () => {
    const predict = document.components?.schemas?.PredictRequest as { properties: { inputs: { maxItems: number; minItems: number } }; additionalProperties: boolean }
    assert.equal(predict.properties.inputs.maxItems, 7)
    assert.equal(predict.properties.inputs.minItems, 1)
    assert.equal(predict.additionalProperties, false, 'unknown top-level keys are rejected')
  })

  it('documents CSV and JSON Lines bodies and answers on every predict route', () => {
    for (const path of ['/api/v1/predict', '/api/v1/models/{name}/predict', '/api/v1/models/{name}/versions/{version}/predict']) {
      const operation = document.paths?.[path]?.post
      const body = operation?.requestBody as { content: Record<string, unknown> } | undefined
      const ok = operation?.responses?.['200'] as { content: Record<string, unknown> } | undefined
      for (const type of ['application/json', 'text/csv', 'application/x-ndjson']) {
        assert.ok(body?.content[type] !== undefined, `${path} body ${type}`)
        assert.ok(ok?.content[type] !== undefined, `${path} 200 ${type}`)
      }
    }
  })

  it('declares the bearer scheme on every route outside the public ones', () => {
    assert.deepEqual(document.components?.securitySchemes?.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: (document.components?.securitySchemes?.bearerAuth as { description: string }).description,
    })
    const publicPaths = ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/{asset}', '/', '/console/{file}', '/v2/health/live', '/v2/health/ready']
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const operation of [item.get, item.post]) {
        if (operation === undefined) continue
        const expected = publicPaths.includes(path) ? [] : [{ bearerAuth: [] }]
        assert.deepEqual(operation.security, expected, path)
        if (!publicPaths.includes(path)) {
          for (const status of ['401', '403', '429', '500']) assert.ok(operation.responses?.[status] !== undefined, `${path} lacks ${status}`)
        }
      }
    }
  })

  it("answers errors with the envelope schema (v1) or the protocol's (v2), with their protocol headers", () => {
    const responses = document.components?.responses ?? {}
    for (const [name, response] of Object.entries(responses)) {
      const schema = (response as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']?.schema
      assert.equal(schema?.$ref, name.startsWith('Oip') ? '#/components/schemas/OipError' : '#/components/schemas/ErrorEnvelope', name)
    }
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const operation of [item.get, item.post]) {
        for (const [status, response] of Object.entries(operation?.responses ?? {})) {
          if (Number(status) < 400) continue
          const ref = (response as { $ref: string }).$ref
          assert.ok(
            ref.startsWith(path.startsWith('/v2') ? '#/components/responses/Oip' : '#/components/responses/') && (path.startsWith('/v2') || !ref.includes('/Oip')),
            `${path} ${status}: ${ref}`,
          )
        }
      }
    }
    const rateLimited = responses.RateLimited as { headers: Record<string, unknown> }
    assert.deepEqual(Object.keys(rateLimited.headers).sort(), ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-ID'])
    assert.ok((responses.InvalidToken as { headers: Record<string, unknown> }).headers['WWW-Authenticate'] !== undefined)
    const predictResponses = document.paths?.['/api/v1/models/{name}/predict']?.post?.responses ?? {}
    assert.deepEqual(Object.keys(predictResponses).sort(), ['200', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'])
  })
})

describe('the documented response schemas', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('match what the routes answer', async () => {
    const user = server.token(['user'])
    const admin = server.token(['admin'])
    await assertDocumented(await fetch(`${server.url}/healthz`), 200, responseSchemas.health)
    await assertDocumented(await fetch(`${server.url}/readyz`), 200, responseSchemas.readiness)
    await assertDocumented(await getJson(`${server.url}/api/v1/models`, user), 200, responseSchemas.modelList)
    await assertDocumented(await getJson(`${server.url}/api/v1/models/iris`, user), 200, responseSchemas.modelDetail)
    await assertDocumented(await postJson(`${server.url}/api/v1/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, user), 200, responseSchemas.prediction)
    await assertDocumented(await postJson(`${server.url}/api/v1/predict`, { inputs: [[5.1]] }, user), 400, responseSchemas.error)
    const action = (name: string): Promise<Response> => postJson(`${server.url}/api/v1/admin/models/iris-logreg/${name}`, {}, admin)
    await assertDocumented(await action('deactivate'), 200, responseSchemas.modelAction)
    await assertDocumented(await action('activate'), 200, responseSchemas.modelAction)
    await assertDocumented(await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti: 'documented-jti' }, admin), 200, responseSchemas.revoked)
  })

  it('match what the Open Inference Protocol routes answer', async () => {
    const user = server.token(['user'])
    const tensor = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }
    await assertDocumented(await fetch(`${server.url}/v2/health/live`), 200, oipResponseSchemas.live)
    await assertDocumented(await fetch(`${server.url}/v2/health/ready`), 200, oipResponseSchemas.ready)
    await assertDocumented(await getJson(`${server.url}/v2`, user), 200, oipResponseSchemas.serverMetadata)
    await assertDocumented(await getJson(`${server.url}/v2/models/iris`, user), 200, oipResponseSchemas.modelMetadata)
    await assertDocumented(await getJson(`${server.url}/v2/models/iris/versions/1/ready`, user), 200, oipResponseSchemas.modelReady)
    await assertDocumented(await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [tensor] }, user), 200, oipResponseSchemas.infer)
    await assertDocumented(await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [{ ...tensor, shape: [1, 3] }] }, user), 400, oipErrorSchema)
  })
})

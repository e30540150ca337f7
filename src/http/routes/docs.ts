import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import Router from '@koa/router'
import { ApiError } from '../../errors/api-error.js'
import type { AppState } from '../state.js'
import type { RouteConfig } from '@asteasolutions/zod-to-openapi'
import { z } from 'zod'
import type { OpenApiSection } from '../openapi.js'

/** The files the docs page loads from `/docs/{asset}`: a fixed list, so no path reaches the disk. */
export const DOCS_ASSET_NAMES = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-initializer.js', 'favicon-32x32.png', 'favicon-16x16.png'] as const

type DocsAsset = (typeof DOCS_ASSET_NAMES)[number]

const CONTENT_TYPES: Record<DocsAsset, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-initializer.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

// The page has no inline script or style: the CSP allows scripts from this origin only.
const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Portcullis API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="stylesheet" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-initializer.js"></script>
  </body>
</html>
`

// Served as a file of its own because the CSP refuses inline script. validatorUrl: null keeps the
// page from loading a badge from validator.swagger.io (no CDN, no outside requests).
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  })
})
`

/** Options of docsRoutes. */
export interface DocsRouteOptions {
  /** The OpenAPI document; called once, on the first request that needs it. */
  document: () => object
}

/** GET /openapi.json, and Swagger UI at GET /docs served from the installed swagger-ui-dist. */
export function docsRoutes(options: DocsRouteOptions): Router<AppState> {
  const router = new Router<AppState>()
  const files = new Map<DocsAsset, Promise<Buffer | string>>()
  let document: object | undefined
  router.get('/openapi.json', function openApiDocument(ctx) {
    document ??= options.document()
    ctx.body = document
  })
  router.get('/docs', function docsPage(ctx) {
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = PAGE
  })
  router.get('/docs/:asset', async function docsAsset(ctx) {
    const name = ctx.params.asset ?? ''
    if (!isDocsAsset(name)) throw new ApiError('not_found', 'no such docs asset')
    let file = files.get(name)
    if (file === undefined) {
      file = name === 'swagger-initializer.js' ? Promise.resolve(INITIALIZER) : readFile(join(swaggerUiDir(), name))
      // A failed read is not kept, so the next request tries again.
      file.catch(() => files.delete(name))
      files.set(name, file)
    }
    ctx.type = CONTENT_TYPES[name]
    ctx.set('Cache-Control', 'public, max-age=3600')
    ctx.body = await file
  })
  return router
}

function isDocsAsset(name: string): name is DocsAsset {
  return (DOCS_ASSET_NAMES as readonly string[]).includes(name)
}

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
}

/** The OpenAPI paths of the document and its page: public, no token. */
export const docsOpenApi: OpenApiSection = (registry, shared) => {
  const open = (route: Omit<RouteConfig, 'security'>): void => registry.registerPath({ ...route, security: [] })
  open({
    method: 'get',
    path: '/openapi.json',
    tags: ['operations'],
    summary: 'This OpenAPI document',
    operationId: 'openApiDocument',
    responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...shared.errors('rate_limited') },
  })
  open({
    method: 'get',
    path: '/docs',
    tags: ['operations'],
    summary: 'Swagger UI',
    operationId: 'docsPage',
    responses: { 200: { description: 'The Swagger UI page, served locally', content: { 'text/html': { schema: z.string() } } }, ...shared.errors('rate_limited') },
  })
  open({
    method: 'get',
    path: '/docs/{asset}',
    tags: ['operations'],
    summary: 'A Swagger UI asset',
    operationId: 'docsAsset',
    request: { params: z.object({ asset: z.enum(DOCS_ASSET_NAMES).openapi({ param: { description: 'One of the files the page loads' } }) }) },
    responses: {
      200: {
        description: 'The file, from the installed swagger-ui-dist or this service',
        content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() }, 'image/png': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...shared.errors('not_found', 'rate_limited'),
    },
  })
}

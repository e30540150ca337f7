/**
 * The framework floor of `npm run bench`: the KeyObject baseline's work (JSON, jsonwebtoken.verify
 * with a KeyObject, onnxruntime-node) inside a bare Koa app with one @koa/router route, and with
 * `--headers` also the headers the contract puts on every response (Portcullis's own request-id
 * and security-header middlewares): `--headers block` writes the security headers as Portcullis's
 * server does (one block per response head, header-block.ts), `--headers each` sets them one by
 * one on each response. Nothing else of Portcullis: no rate limits, roles, validation, metrics or
 * log. What Portcullis reaches against the baselines is bounded by what this reaches.
 *
 *   node bench-output/baseline/bench/koa-floor-server.js --model FILE [--labels a,b,c] [--headers block|each]
 *
 * JWT_SECRET comes from the environment; the server prints `{"port": N}` once it listens.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import Router from '@koa/router'
import Koa from 'koa'
import { responseWithHeaderBlock } from '../src/http/header-block.js'
import { requestId } from '../src/http/middleware/request-id.js'
import { securityHeaderBlock, securityHeaders } from '../src/http/middleware/security-headers.js'
import type { AppState } from '../src/http/state.js'
import { loadBaselineModel, tokenCheck } from './baseline-model.js'

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    labels: { type: 'string', default: '' },
    port: { type: 'string', default: '0' },
    headers: { type: 'string' },
  },
})
if (values.model === undefined) throw new Error('--model FILE is required')
if (values.headers !== undefined && values.headers !== 'block' && values.headers !== 'each') throw new Error('--headers takes block or each')
const model = await loadBaselineModel(values.model, values.labels === '' ? [] : values.labels.split(','))
const authorized = tokenCheck(process.env.JWT_SECRET ?? '')

function bodyText(ctx: Koa.Context): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    ctx.req.setEncoding('utf8')
    ctx.req.on('data', (chunk: string) => (text += chunk))
    ctx.req.once('end', () => resolve(text))
    ctx.req.once('error', reject)
  })
}

const app = new Koa<AppState>()
if (values.headers !== undefined) {
  app.use(requestId())
  app.use(securityHeaders({ hsts: false }))
}
const router = new Router<AppState>()
router.post('/api/v1/models/:name/predict', async (ctx) => {
  if (!authorized(ctx.get('authorization'))) {
    ctx.status = 401
    ctx.body = { error: 'unauthorized' }
    return
  }
  try {
    ctx.body = JSON.stringify(await model.predict(await bodyText(ctx)))
    ctx.type = 'application/json'
  } catch (err) {
    ctx.status = 400
    ctx.body = { error: (err as Error).message }
  }
})
app.use(router.routes())
const ServerResponse = values.headers === 'block' ? responseWithHeaderBlock(securityHeaderBlock({ hsts: false })) : undefined
const server = createServer({ ServerResponse }, app.callback())
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }))
})
server.keepAliveTimeout = 5000
process.on('SIGTERM', () => server.close(() => process.exit(0)))

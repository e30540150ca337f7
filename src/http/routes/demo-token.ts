import Router from '@koa/router'
import { z } from 'zod'
import { mintToken } from '../../cli/token.js'
import type { Config } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import type { Logger } from '../../observability/logger.js'
import type { VerificationKeys } from '../../security/keys.js'
import type { OpenApiSection } from '../openapi.js'
import { readRawBody } from '../raw-body.js'
import type { AppContext, AppState } from '../state.js'

/** How long a demo token lives: long enough to try the console, short enough to be harmless if copied. */
const DEMO_TOKEN_TTL_SECONDS = 3600

/** The demo identities: the same subjects and roles `npm start` prints tokens for. */
const DEMO_IDENTITIES = { user: { subject: 'demo-user', roles: ['user'] }, admin: { subject: 'demo-admin', roles: ['admin'] } } as const

const demoTokenBodySchema = z.strictObject({ role: z.enum(['user', 'admin']) })

/** Options of demoTokenRoutes. */
export interface DemoTokenRouteOptions {
  config: Readonly<Config>
  keys: VerificationKeys
  logger: Logger
}

/** True when the demo sign-in exists: development with demo tokens on, which production rules refuse elsewhere. */
export function demoTokensEnabled(config: Readonly<Config>): boolean {
  return config.env === 'development' && config.auth.printDemoTokens
}

/**
 * POST /demo/token `{"role": "user"|"admin"}`: the console's one-click sign-in, in
 * development only (createApp does not mount it elsewhere, so other environments answer 404).
 * It answers only callers on the loopback interface, so a development server bound to 0.0.0.0
 * hands no admin token to the network; a POST with a JSON body needs a CORS preflight, which the
 * gateway does not grant to other origins, so another site's page cannot read a token either.
 */
export function demoTokenRoutes(options: DemoTokenRouteOptions): Router<AppState> {
  const { config, keys, logger } = options
  const router = new Router<AppState>()
  router.post('/demo/token', async function demoToken(ctx) {
    if (!isLoopback(ctx.ip)) throw new ApiError('not_found', 'not found')
    const parsed = demoTokenBodySchema.safeParse(await readSmallJson(ctx))
    if (!parsed.success) throw new ApiError('invalid_input', 'body must be {"role": "user"} or {"role": "admin"}')
    const identity = DEMO_IDENTITIES[parsed.data.role]
    const token = mintToken(config, keys, { subject: identity.subject, roles: [...identity.roles], ttlSeconds: DEMO_TOKEN_TTL_SECONDS })
    logger.info('demo token issued', { request_id: ctx.state.requestId, subject: identity.subject })
    ctx.body = { token, expires_in: DEMO_TOKEN_TTL_SECONDS, request_id: ctx.state.requestId }
  })
  return router
}

/**
 * The body of a public route: public routes answer before the body guard (which runs only for
 * authenticated callers), so this one reads its few bytes itself. Anything that is not a small
 * JSON object reads as no body, which the schema refuses.
 */
async function readSmallJson(ctx: AppContext): Promise<unknown> {
  const bytes = await readRawBody(ctx, 1024)
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    // Not JSON: answered as a missing body by the caller's schema check, with its own message.
    return undefined
  }
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^(?:::ffff:)?127\./.test(address)
}

/** The OpenAPI path of POST /demo/token, in the document only where the route exists (development). */
export const demoTokenOpenApi: OpenApiSection = (registry, shared) => {
  registry.registerPath({
    method: 'post',
    path: '/demo/token',
    tags: ['console'],
    summary: 'A demo token for the console (development only, loopback callers only)',
    operationId: 'demoToken',
    security: [],
    request: { body: { required: true, content: { 'application/json': { schema: demoTokenBodySchema, example: { role: 'user' } } } } },
    responses: {
      200: shared.ok(
        `A token for demo-user (role user) or demo-admin (role admin), valid ${DEMO_TOKEN_TTL_SECONDS} s`,
        z.object({ token: z.string(), expires_in: z.number().int(), request_id: z.string() }),
      ),
      ...shared.errors('invalid_input', 'not_found', 'rate_limited'),
    },
  })
}

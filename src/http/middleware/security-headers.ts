import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import helmet from 'helmet'
import { HeaderBlockResponse } from '../header-block.js'
import type { AppMiddleware } from '../state.js'

/** Options of securityHeaders. */
export interface SecurityHeadersOptions {
  /** Send HSTS (only meaningful over TLS). */
  hsts: boolean
}

/**
 * Helmet's headers and `Cache-Control: no-store`, computed once: with no CSP nonces the set is the
 * same on every response. Also written by hand on node's own error answers (client-error.ts).
 */
export function securityHeaderBlock({ hsts }: SecurityHeadersOptions): ReadonlyArray<readonly [string, string]> {
  return Object.freeze(Object.entries({ ...computeHelmetHeaders(hsts), 'Cache-Control': 'no-store' }))
}

/**
 * Helmet's headers, set before next() so error responses carry them too. The CSP allows scripts
 * and styles from this origin only: no inline script runs, and Swagger UI is served locally.
 * A response of the server's own class (server.ts, header-block.ts) already writes them as one
 * block, so they are set here only on responses of other servers (an app mounted elsewhere).
 */
export function securityHeaders(options: SecurityHeadersOptions): AppMiddleware {
  const headers = securityHeaderBlock(options)
  return function securityHeaders(ctx, next) {
    if (ctx.res instanceof HeaderBlockResponse) return next()
    // Straight onto the response: Koa's ctx.set(object) copies every entry twice on each call.
    for (const [name, value] of headers) ctx.res.setHeader(name, value)
    return next()
  }
}

/**
 * Runs helmet once on a throwaway response and keeps what it set. With no CSP nonces the header
 * set is the same for every response, so computing it per request only costs time (about 5 µs).
 */
function computeHelmetHeaders(hsts: boolean): Record<string, string> {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })
  const request = new IncomingMessage(new Socket())
  const response = new ServerResponse(request)
  let failure: unknown
  middleware(request, response, (err?: unknown) => {
    failure = err
  })
  if (failure !== undefined) throw failure
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]))
}

import helmet from 'koa-helmet'
import type { AppMiddleware } from '../state.js'

/** Options of securityHeaders. */
export interface SecurityHeadersOptions {
  /** Send HSTS (only meaningful over TLS). */
  hsts: boolean
}

/**
 * Helmet's headers, set before next() so error responses carry them too. The CSP allows scripts
 * and styles from this origin only: no inline script runs, and Swagger UI is served locally.
 */
export function securityHeaders({ hsts }: SecurityHeadersOptions): AppMiddleware {
  const headers = helmet({
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
  return async function securityHeaders(ctx, next) {
    await headers(ctx, async () => undefined)
    ctx.set('Cache-Control', 'no-store')
    await next()
  }
}

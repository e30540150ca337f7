import koaCors from '@koa/cors'
import type { AppMiddleware } from '../state.js'

/** Options of cors (server.cors). */
export interface CorsOptions {
  /** Allowed origins, exactly as browsers send them (`https://app.example.com`); `*` for any. */
  origins: readonly string[]
  credentials: boolean
}

const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Cache-Control', 'X-Request-ID']
const EXPOSE_HEADERS = ['X-Request-ID', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'WWW-Authenticate']

/**
 * CORS for an allowlist of origins (@koa/cors). A request from any other origin gets no
 * Access-Control-* header, so the browser keeps the response from the page. Mount it only when
 * the allowlist is not empty: with no allowlist, CORS is off.
 */
export function cors({ origins, credentials }: CorsOptions): AppMiddleware {
  const allowed = new Set(origins)
  const anyOrigin = allowed.has('*')
  return koaCors({
    // With credentials the origin is echoed, never `*` (Fetch standard, CORS protocol and credentials).
    origin: (ctx) => {
      const origin = ctx.get('Origin')
      if (anyOrigin && !credentials) return '*'
      return anyOrigin || allowed.has(origin) ? origin : ''
    },
    credentials,
    allowMethods: ['GET', 'POST'],
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
    // errorEnvelope keeps headers already set, so they need not ride on the error.
    keepHeadersOnError: false,
  }) as AppMiddleware
}

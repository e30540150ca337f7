import type { Logger } from '../../observability/logger.js'
import type { Metrics } from '../../observability/metrics.js'
import { methodLabel, routeLabel, type RouteMatcher } from '../route-label.js'
import type { AppMiddleware } from '../state.js'

/** Options of accessLog. */
export interface AccessLogOptions {
  logger: Logger
  metrics: Metrics
  /** Labels requests stopped before routing (401, 429, …) with their route template. */
  matchRoute?: RouteMatcher
}

/**
 * One JSON line per request on the way out, from an allowlist of fields (style.md, do 7), and the
 * request metrics. The line is `info`, `warn` for 4xx and `error` for 5xx, so an overlay's level
 * decides what is kept: `warn` (production) keeps only failed requests.
 */
export function accessLog({ logger, metrics, matchRoute }: AccessLogOptions): AppMiddleware {
  return async function accessLog(ctx, next) {
    const started = performance.now()
    try {
      await next()
    } finally {
      const seconds = (performance.now() - started) / 1000
      const route = routeLabel(ctx, matchRoute)
      const method = methodLabel(ctx.method)
      metrics.httpRequests.labels(method, route, String(ctx.status)).inc()
      metrics.httpDuration.labels(method, route).observe(seconds)
      const level = levelFor(ctx.status)
      // winston formats a line before its transports drop it by level: skip that work up front.
      if (logger.isLevelEnabled(level))
        logger.log(level, 'request', {
          request_id: ctx.state.requestId,
          method,
          route,
          status: ctx.status,
          latency_ms: Math.round(seconds * 1e6) / 1e3,
          subject: ctx.state.principal?.subject,
          model: ctx.state.model,
          version: ctx.state.version,
          error: ctx.state.errorCode,
        })
    }
  }
}

function levelFor(status: number): 'info' | 'warn' | 'error' {
  if (status >= 500) return 'error'
  return status >= 400 ? 'warn' : 'info'
}

import type { Logger } from '../../observability/logger.js'
import type { Metrics } from '../../observability/metrics.js'
import { routeLabel } from '../route-label.js'
import type { AppMiddleware } from '../state.js'

/** Options of accessLog. */
export interface AccessLogOptions {
  logger: Logger
  metrics: Metrics
}

/** One JSON line per request on the way out, from an allowlist of fields; request metrics. */
export function accessLog({ logger, metrics }: AccessLogOptions): AppMiddleware {
  return async function accessLog(ctx, next) {
    const started = process.hrtime.bigint()
    try {
      await next()
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = routeLabel(ctx)
      metrics.httpRequests.labels(ctx.method, route, String(ctx.status)).inc()
      metrics.httpDuration.labels(ctx.method, route).observe(seconds)
      logger.http('request', {
        request_id: ctx.state.requestId,
        method: ctx.method,
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

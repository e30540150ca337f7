import type { Next } from 'koa'
import type { Metrics } from '../observability/metrics.js'
import type { StageName } from '../observability/stage-names.js'
import type { AppContext, AppMiddleware } from './state.js'

/**
 * Wraps a middleware as a named, timed pipeline stage. It times only the stage's own work: from
 * entry until it calls next(), returns or throws (style.md, "Request flow").
 */
export function stage(name: StageName, metrics: Metrics, middleware: AppMiddleware): AppMiddleware {
  const series = metrics.stageDuration.labels(name, 'http')
  const timed = async (ctx: AppContext, next: Next): Promise<void> => {
    const started = performance.now()
    let open = true
    try {
      await middleware(ctx, () => {
        if (open) {
          open = false
          series.observe((performance.now() - started) / 1000)
        }
        return next()
      })
    } finally {
      if (open) series.observe((performance.now() - started) / 1000)
    }
  }
  Object.defineProperty(timed, 'name', { value: middleware.name === '' ? name : middleware.name })
  return timed
}

import type { Next } from 'koa'
import type { Metrics } from '../observability/metrics.js'
import type { StageName } from './stage-names.js'
import type { AppContext, AppMiddleware } from './state.js'

/**
 * Wraps a middleware as a named, timed pipeline stage. It times only the stage's own work: from
 * entry until it calls next(), returns or throws (style.md, "Request flow").
 */
export function stage(name: StageName, metrics: Metrics, middleware: AppMiddleware): AppMiddleware {
  const series = metrics.stageDuration.labels(name)
  const timed = async (ctx: AppContext, next: Next): Promise<void> => {
    const started = performance.now()
    let open = true
    const stop = (): void => {
      if (open) {
        open = false
        series.observe((performance.now() - started) / 1000)
      }
    }
    try {
      await middleware(ctx, () => {
        stop()
        return next()
      })
    } finally {
      stop()
    }
  }
  Object.defineProperty(timed, 'name', { value: middleware.name === '' ? name : middleware.name })
  return timed
}

import type { Next } from 'koa'
import type { Metrics } from '../observability/metrics.js'
import type { StageName } from '../observability/stage-names.js'
import type { AppContext, AppMiddleware } from './state.js'

/**
 * Wraps a middleware as a named, timed pipeline stage. It times only the stage's own work: from
 * entry until it calls next(), returns or throws (style.md, "Request flow").
 *
 * Most stages decide from the headers and pass the request on before their first await, so the
 * wrapper adds no async frame of its own: it waits on the stage's promise only when the stage
 * has not passed the request on by the time it returns.
 */
export function stage(name: StageName, metrics: Metrics, middleware: AppMiddleware): AppMiddleware {
  const series = metrics.stageDuration.labels(name, 'http')
  const timed = (ctx: AppContext, next: Next): Promise<void> => {
    const started = performance.now()
    let open = true
    const close = (): void => {
      if (!open) return
      open = false
      series.observe((performance.now() - started) / 1000)
    }
    let running: Promise<void>
    try {
      running = Promise.resolve(
        middleware(ctx, () => {
          close()
          return next()
        }),
      )
    } catch (err) {
      close()
      return Promise.reject(err)
    }
    if (!open) return running
    return running.finally(close)
  }
  Object.defineProperty(timed, 'name', { value: middleware.name === '' ? name : middleware.name })
  return timed
}

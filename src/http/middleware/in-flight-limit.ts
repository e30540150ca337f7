import { ApiError } from '../../errors/api-error.js'
import type { AppMiddleware } from '../state.js'

/** Options of inFlightLimit. */
export interface InFlightLimitOptions {
  /** Requests handled at once; one more answers 503 (server.maxInFlight). */
  maxInFlight: number
  /** Seconds a refused client is asked to wait. */
  retryAfterSeconds?: number
  /** Paths never refused: liveness must answer under load, or an orchestrator restarts a busy process. */
  exempt?: readonly string[]
}

/** Bounds concurrent requests (design.md, invariant 7): past the bound, 503 with Retry-After at once. */
export function inFlightLimit({ maxInFlight, retryAfterSeconds = 1, exempt = ['/healthz'] }: InFlightLimitOptions): AppMiddleware {
  let inFlight = 0
  return async function inFlightLimit(ctx, next) {
    if (exempt.includes(ctx.path)) return next()
    if (inFlight >= maxInFlight) {
      throw new ApiError('unavailable', 'the server is busy; retry shortly', { headers: { 'Retry-After': String(retryAfterSeconds) } })
    }
    inFlight += 1
    try {
      await next()
    } finally {
      inFlight -= 1
    }
  }
}

import { isApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import type { FailureCounter } from '../../security/failure-counter.js'
import type { AppMiddleware } from '../state.js'
import { tooManyRequests, type RateSpec } from './rate-limit.js'

/** Options of authThrottle. */
export interface AuthThrottleOptions {
  /** Failed authentications allowed per client address and window. */
  rate: RateSpec
  counter: FailureCounter
  metrics: Metrics
}

/**
 * Brute-force guard around authenticate: an address that has sent `rate.max` refused tokens in the
 * window gets 429 before its next token is even parsed (OWASP API2:2023). Requests without
 * credentials are left to the anonymous limit.
 */
export function authThrottle({ rate, counter, metrics }: AuthThrottleOptions): AppMiddleware {
  const throttled = metrics.rateLimited.labels('auth_failures')
  return async function authThrottle(ctx, next) {
    if (ctx.get('Authorization') === '') return next()
    const seen = await counter.peek(ctx.ip)
    if (seen.count >= rate.max) {
      throttled.inc()
      throw tooManyRequests(rate.max, (seen.resetAt - Date.now()) / 1000)
    }
    try {
      await next()
    } catch (err) {
      // Observed, never changed: only authenticate throws invalid_token, and the error goes on as it was.
      if (isApiError(err) && err.code === 'invalid_token') await counter.record(ctx.ip)
      throw err
    }
  }
}

import { isApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import type { FailureCount, FailureCounter } from '../../security/failure-counter.js'
import type { AppMiddleware } from '../state.js'
import { storeUnavailable, tooManyRequests, type RateSpec } from './rate-limit.js'

/** Options of authThrottle. */
export interface AuthThrottleOptions {
  /** Failed authentications allowed per client address and window. */
  rate: RateSpec
  counter: FailureCounter
  metrics: Metrics
}

/**
 * Brute-force guard around authenticate (OWASP API2:2023): each refused token from a client address
 * is counted, and once an address has used up `rate.max` in the window, its further refused tokens
 * get 429 instead of 401. Failures throttle failures only: a valid token is still verified and
 * served, so one client's junk cannot lock out the others behind the same address (NAT, office
 * proxy). Requests without credentials are left to the anonymous limit.
 */
export function authThrottle({ rate, counter, metrics }: AuthThrottleOptions): AppMiddleware {
  const throttled = metrics.rateLimited.labels('auth_failures')
  return async function authThrottle(ctx, next) {
    if (ctx.get('Authorization') === '') return next()
    try {
      await next()
    } catch (err) {
      // Only authenticate throws invalid_token; every other error goes on as it was.
      if (!isApiError(err) || err.code !== 'invalid_token') throw err
      // Counted and compared in one step of the store, so concurrent failures cannot overrun the limit.
      const seen = await record(counter, ctx.ip)
      if (seen.count > rate.max) {
        throttled.inc()
        throw tooManyRequests(rate.max, (seen.resetAt - Date.now()) / 1000, err)
      }
      throw err
    }
  }
}

// A failure that cannot be counted is refused as unavailable: the throttle fails closed.
async function record(counter: FailureCounter, address: string): Promise<FailureCount> {
  try {
    return await counter.record(address)
  } catch (err) {
    throw storeUnavailable(err)
  }
}

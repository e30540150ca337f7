import { ApiError } from '../../errors/api-error.js'
import type { AppMiddleware } from '../state.js'

/** Options of InFlightBudget (budgets.* and server.maxInFlight). */
export interface InFlightBudgetOptions {
  /** Authenticated requests handled at once (server.maxInFlight). */
  maxInFlight: number
  /** Requests not (yet) authenticated, from all addresses together. */
  maxAnonymousInFlight: number
  /** Requests not (yet) authenticated, from one client address. */
  maxAnonymousInFlightPerAddress: number
  /** Seconds a refused client is asked to wait. */
  retryAfterSeconds?: number
  /** Paths never refused: liveness must answer under load, or an orchestrator restarts a busy process. */
  exempt?: readonly string[]
}

/** A request's hold on the budget, kept on ctx.state from admission to the end of the request. */
export interface Admission {
  /** Moves the hold from the anonymous share to the authenticated one; throws 503 when that is full. */
  authenticate(): void
}

/**
 * Bounds requests in flight (design.md, invariant 7) in two shares. Every request enters as
 * anonymous, bounded per client address and in all; once authenticated it moves to the
 * authenticated share (server.maxInFlight), which anonymous requests never fill. Past a bound the
 * answer is 503 with Retry-After at once, never a queue.
 */
export class InFlightBudget {
  readonly #options: Required<InFlightBudgetOptions>
  readonly #anonymousByAddress = new Map<string, number>()
  #anonymous = 0
  #authenticated = 0

  constructor(options: InFlightBudgetOptions) {
    this.#options = { retryAfterSeconds: 1, exempt: ['/healthz'], ...options }
  }

  /** Requests in flight now, by share (for tests and metrics). */
  get inFlight(): { anonymous: number; authenticated: number } {
    return { anonymous: this.#anonymous, authenticated: this.#authenticated }
  }

  /** The budget stage: admits a request into the anonymous share, or answers 503. */
  admit(): AppMiddleware {
    const { exempt } = this.#options
    return async (ctx, next) => {
      if (exempt.includes(ctx.path)) return next()
      const address = ctx.ip
      this.#enterAnonymous(address)
      let held: 'anonymous' | 'authenticated' = 'anonymous'
      ctx.state.admission = {
        authenticate: () => {
          if (held === 'authenticated') return
          if (this.#authenticated >= this.#options.maxInFlight) throw this.#busy()
          this.#leaveAnonymous(address)
          this.#authenticated += 1
          held = 'authenticated'
        },
      }
      try {
        await next()
      } finally {
        if (held === 'anonymous') this.#leaveAnonymous(address)
        else this.#authenticated -= 1
      }
    }
  }

  /** Right after authenticate: the request now counts against the authenticated share. */
  claim(): AppMiddleware {
    return function claimAuthenticatedShare(ctx, next) {
      ctx.state.admission?.authenticate()
      return next()
    }
  }

  #enterAnonymous(address: string): void {
    const fromAddress = this.#anonymousByAddress.get(address) ?? 0
    if (this.#anonymous >= this.#options.maxAnonymousInFlight || fromAddress >= this.#options.maxAnonymousInFlightPerAddress) {
      throw this.#busy()
    }
    this.#anonymous += 1
    this.#anonymousByAddress.set(address, fromAddress + 1)
  }

  // The map holds only addresses with a request in flight, so it is bounded by maxAnonymousInFlight.
  #leaveAnonymous(address: string): void {
    this.#anonymous -= 1
    const left = (this.#anonymousByAddress.get(address) ?? 1) - 1
    if (left === 0) this.#anonymousByAddress.delete(address)
    else this.#anonymousByAddress.set(address, left)
  }

  #busy(): ApiError {
    return new ApiError('unavailable', 'the server is busy; retry shortly', { headers: { 'Retry-After': String(this.#options.retryAfterSeconds) } })
  }
}

import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'

/** The values of `portcullis_shadow_agreement_total{result}`. */
export type ShadowResult = 'agree' | 'disagree' | 'error' | 'dropped'

/** Options of ShadowMirror. */
export interface ShadowMirrorOptions {
  /** Shadow runs at once; a copy that finds them all busy is dropped, never queued (design.md, invariant 7). */
  maxInFlight: number
  metrics: Metrics
  logger: Logger
}

/** One copy of a request for the shadow version. */
export interface ShadowCopy<T> {
  model: string
  version: string
  /** The primary's answer, already sent to the client. */
  primary: T
  /** Runs the same input on the shadow version. */
  run: () => Promise<T>
  /** True when the shadow's answer matches the primary's. */
  agree: (primary: T, shadow: T) => boolean
}

/**
 * Runs shadow copies off the request path: `mirror` returns at once and starts the copy in a later
 * turn of the event loop, after the primary's response has been handed to the socket. The shadow's
 * answer is only compared and counted, never returned.
 */
export class ShadowMirror {
  #inFlight = 0
  #idle: Promise<void> = Promise.resolve()
  #settle: (() => void) | undefined

  constructor(private readonly options: ShadowMirrorOptions) {}

  /** Schedules one copy; never throws and never waits. */
  mirror<T>(copy: ShadowCopy<T>): void {
    const counter = this.options.metrics.shadowAgreement
    if (this.#inFlight >= this.options.maxInFlight) {
      counter.labels(copy.model, 'dropped').inc()
      return
    }
    this.#begin()
    setImmediate(() => {
      void this.#run(copy)
        .then((result) => counter.labels(copy.model, result).inc())
        .finally(() => this.#end())
    })
  }

  /** Copies running now. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Resolves when no copy is running (before sessions are released at shutdown). */
  idle(): Promise<void> {
    return this.#idle
  }

  async #run<T>(copy: ShadowCopy<T>): Promise<ShadowResult> {
    try {
      const answer = await copy.run()
      return copy.agree(copy.primary, answer) ? 'agree' : 'disagree'
    } catch (err) {
      this.options.logger.debug('shadow run failed', { model: copy.model, version: copy.version, reason: (err as Error).message })
      return 'error'
    }
  }

  #begin(): void {
    if (this.#inFlight === 0) this.#idle = new Promise((resolve) => (this.#settle = resolve))
    this.#inFlight += 1
  }

  #end(): void {
    this.#inFlight -= 1
    if (this.#inFlight === 0) this.#settle?.()
  }
}

/** Compares two JSON-like answers; numbers agree within a relative 1e-5 (float32 noise between runtimes). */
export function sameAnswer(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b))
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((value, index) => sameAnswer(value, b[index]))
  return a === b
}

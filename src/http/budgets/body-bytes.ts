/**
 * The bytes of request bodies held in memory at once, across all requests (budgets.maxBufferedBodyBytes).
 * A body reserves its declared length (or the most a body may be, when it declares none) before
 * it is read and gives it back when its request ends, so memory stays bounded under a flood.
 */
export class BodyByteBudget {
  readonly #maxBytes: number
  #held = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Reserves `bytes` if they fit; false when they would take the total past the budget. */
  tryReserve(bytes: number): boolean {
    if (this.#held + bytes > this.#maxBytes) return false
    this.#held += bytes
    return true
  }

  /** Gives back what tryReserve took. */
  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes)
  }
}

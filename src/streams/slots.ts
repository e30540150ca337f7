/** A counting limit: at most `size` holders at once; acquire() waits for a free slot. */
export class Slots {
  #free: number
  readonly #waiting: (() => void)[] = []
  #held = 0
  #idle: (() => void)[] = []

  constructor(readonly size: number) {
    this.#free = size
  }

  /** Slots taken now. */
  get held(): number {
    return this.#held
  }

  /** Resolves once a slot is this caller's; give it back with release(). */
  async acquire(): Promise<void> {
    if (this.#free > 0) this.#free -= 1
    else await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#held += 1
  }

  release(): void {
    this.#held -= 1
    const next = this.#waiting.shift()
    // A waiter takes the slot over directly, so a newcomer cannot jump the queue.
    if (next !== undefined) next()
    else this.#free += 1
    if (this.#held === 0) for (const done of this.#idle.splice(0)) done()
  }

  /** Resolves once no slot is held. */
  idle(): Promise<void> {
    if (this.#held === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }
}

const FIRST_DELAY_MS = 100
const MAX_DELAY_MS = 10_000

/** Delay before attempt `attempt` (1-based) to reach a broker again: 100 ms doubling up to 10 s, with jitter. */
export function reconnectDelayMs(attempt: number): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1))
  // Up to a quarter either way, so replicas that lost the broker together do not return in step.
  return Math.round(base * (0.75 + Math.random() * 0.5))
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

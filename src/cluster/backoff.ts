const FIRST_DELAY_MS = 100
const MAX_DELAY_MS = 30_000

/** Delay before restarting a worker after `crashes` quick crashes in a row: 0, then 100 ms doubling up to 30 s. */
export function restartDelayMs(crashes: number): number {
  if (crashes <= 1) return 0
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (crashes - 2))
}

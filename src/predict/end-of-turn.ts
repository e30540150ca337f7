/**
 * Answers ready at once (cache hits) wait for the end of the current event-loop turn, so every
 * answer of one turn is written back to back, as the micro-batcher's are. Written one at a time
 * between reads, each response wakes its client's process on its own, and the kernel charges
 * that wake-up to this one; written together, they share it. On the bench machine this took the
 * server's CPU time per Iris cache hit from 69 to 52 µs at 16 connections. The cost is at most
 * one turn of latency, a few microseconds on an idle loop.
 */
let turnEnd: Promise<void> | undefined

/** Resolves in this turn's check phase (setImmediate), once for every caller of the turn. */
export function endOfTurn(): Promise<void> {
  turnEnd ??= new Promise((resolve) => {
    setImmediate(() => {
      turnEnd = undefined
      resolve()
    })
  })
  return turnEnd
}

/** A deterministic source of uniform numbers in [0, 1). */
export type RandomSource = () => number

/** Mulberry32: a tiny seeded 32-bit PRNG, good enough for reproducible demo weights (not for security). */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

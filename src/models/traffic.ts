import { createHash } from 'node:crypto'

/**
 * A subject's place on the 0–100 scale of one model's canary split: the first 32 bits of
 * sha256(model, subject). The same subject always lands in the same place (sticky), and the
 * model name in the hash keeps two models' canaries from picking the same subjects.
 */
export function canaryPosition(model: string, subject: string): number {
  const hash = createHash('sha256').update(model).update('\u0000').update(subject).digest()
  return (hash.readUInt32BE(0) / 0x1_0000_0000) * 100
}

/** True when the subject falls into the canary's `weight` percent; a request without a subject draws at random. */
export function choosesCanary(model: string, subject: string | undefined, weight: number): boolean {
  if (weight <= 0) return false
  if (weight >= 100) return true
  const position = subject === undefined ? Math.random() * 100 : canaryPosition(model, subject)
  return position < weight
}

/** True for the `weight` percent of requests that a shadow version also receives. */
export function samplesShadow(weight: number): boolean {
  return weight >= 100 || Math.random() * 100 < weight
}

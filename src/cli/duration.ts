const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const

/** Parses `90`, `30s`, `15m`, `2h`, `7d` into seconds. */
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (match?.[1] === undefined) throw new Error(`not a duration: "${text}" (use e.g. 30s, 15m, 2h, 7d)`)
  const unit = (match[2] === '' ? 's' : match[2]) as keyof typeof UNIT_SECONDS
  return Number(match[1]) * UNIT_SECONDS[unit]
}

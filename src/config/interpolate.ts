/** Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree. */
export function interpolate(value: unknown, vars: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') return interpolateString(value, vars)
  if (Array.isArray(value)) return value.map((item) => interpolate(item, vars))
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, vars)]))
  }
  return value
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

function interpolateString(text: string, vars: Readonly<Record<string, string | undefined>>): string | undefined {
  // A string that is exactly one unset variable without default becomes undefined, so the key
  // falls back to its schema default instead of becoming an empty string.
  const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text)
  if (whole?.[1] !== undefined && vars[whole[1]] === undefined) return undefined
  return text.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const found = vars[name]
    return found !== undefined && found !== '' ? found : (fallback ?? '')
  })
}

/** True for `{...}` objects (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

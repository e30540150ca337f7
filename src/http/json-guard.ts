/** Limits a parsed JSON document must keep besides its byte size. */
export interface JsonLimits {
  maxDepth: number
  maxArrayLength: number
}

/** Why a JSON text was refused. */
export type JsonFault = { kind: 'depth' | 'array_length' | 'forbidden_key'; message: string }

/**
 * Measures nesting depth on the raw UTF-8 bytes, before anything is decoded or parsed, so a deeply
 * nested body cannot cost more than one pass over its bytes. Bytes rather than a decoded string:
 * the structural characters are ASCII, and no byte of a multi-byte UTF-8 sequence is below 0x80.
 */
export function measureDepth(bytes: Uint8Array, maxDepth: number): JsonFault | undefined {
  // Nesting is never deeper than the number of opening brackets, which indexOf counts at native
  // speed: a body with few of them (a numeric matrix has two) needs no walk.
  if (countOpeners(bytes, maxDepth) <= maxDepth) return undefined
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i += 1) {
    const code = bytes[i]
    if (inString) {
      if (code === 92)
        i += 1 // backslash: skip the escaped character
      else if (code === 34) inString = false
    } else if (code === 34) {
      inString = true
    } else if (code === 91 || code === 123) {
      depth += 1
      if (depth > maxDepth) return { kind: 'depth', message: `JSON nesting deeper than ${maxDepth} levels` }
    } else if (code === 93 || code === 125) {
      depth -= 1
    }
  }
  return undefined
}

// Counts `[` and `{` bytes, strings included (an upper bound is enough), stopping past `limit`.
function countOpeners(bytes: Uint8Array, limit: number): number {
  let count = 0
  for (const opener of [91, 123]) {
    for (let at = bytes.indexOf(opener); at !== -1 && count <= limit; at = bytes.indexOf(opener, at + 1)) count += 1
  }
  return count
}

// Keys that pollute prototypes when a parsed body is later merged or assigned.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Walks a parsed document for forbidden keys and over-long arrays. */
export function inspectParsed(value: unknown, limits: JsonLimits): JsonFault | undefined {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const item = stack.pop()
    if (Array.isArray(item)) {
      if (item.length > limits.maxArrayLength) return { kind: 'array_length', message: `JSON array longer than ${limits.maxArrayLength} items` }
      for (let index = 0; index < item.length; index += 1) {
        const child: unknown = item[index]
        if (typeof child === 'object' && child !== null) stack.push(child)
      }
    } else if (typeof item === 'object' && item !== null) {
      for (const key of Object.keys(item)) {
        if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden_key', message: `JSON key ${JSON.stringify(key)} is not allowed` }
        const child = (item as Record<string, unknown>)[key]
        if (typeof child === 'object' && child !== null) stack.push(child)
      }
    }
  }
  return undefined
}

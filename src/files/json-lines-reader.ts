import type { Readable } from 'node:stream'
import { ChunkBuilder, type InputChunk } from './input-chunk.js'
import { jsonValueRecord, unreadableLine } from './input-record.js'

// Line breaks as readline takes them: \r\n, \n, or a lone \r.
const LINE_BREAK = /\r\n|\r|\n/

/**
 * The rows of a JSON Lines stream (text, not bytes) in chunks of `batchRows`. A line that is an
 * array of the model's width, or an object of exactly its features (and maybe `id`), all numbers,
 * is written straight into the chunk's numbers; any other line becomes a record as before.
 */
export async function* jsonLineChunks(input: Readable, featureNames: readonly string[] | undefined, batchRows: number): AsyncIterable<InputChunk> {
  const chunks = new ChunkBuilder(featureNames?.length ?? 0, batchRows)
  let row = 0
  let rest = ''
  const add = (line: string): void => {
    // Blank lines (a trailing newline, a separator) are not rows.
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      chunks.addRecord(unreadableLine(row))
      row += 1
      return
    }
    if (featureNames === undefined || !addPlainValue(chunks, featureNames, value, row)) chunks.addRecord(jsonValueRecord(value, row))
    row += 1
  }
  for await (const text of input as AsyncIterable<string>) {
    const lines = (rest + text).split(LINE_BREAK)
    rest = lines.pop() ?? ''
    for (const line of lines) {
      add(line)
      if (chunks.full) yield chunks.take() as InputChunk
    }
  }
  add(rest)
  const last = chunks.take()
  if (last !== undefined) yield last
}

/** Adds a parsed line of plain numbers; false (nothing added) for any other value. */
function addPlainValue(chunks: ChunkBuilder, featureNames: readonly string[], value: unknown, row: number): boolean {
  const { values, offset } = chunks
  const width = featureNames.length
  if (Array.isArray(value)) {
    if (value.length !== width) return false
    for (let column = 0; column < width; column += 1) {
      const number: unknown = value[column]
      if (typeof number !== 'number') return false
      values[offset + column] = number
    }
    chunks.addPlain(row, undefined)
    return true
  }
  if (typeof value !== 'object' || value === null) return false
  const object = value as Record<string, unknown>
  const id = object.id
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return false
  if (Object.keys(object).length !== width + (id === undefined ? 0 : 1)) return false
  for (let column = 0; column < width; column += 1) {
    const name = featureNames[column] ?? ''
    const number = Object.hasOwn(object, name) ? object[name] : undefined
    if (typeof number !== 'number') return false
    values[offset + column] = number
  }
  chunks.addPlain(row, id)
  return true
}

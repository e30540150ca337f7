import type { Readable } from 'node:stream'
import Papa from 'papaparse'
import { ChunkBuilder, type InputChunk } from './input-chunk.js'
import { csvLayout, csvRecord, plainNumber, type CsvLayout } from './input-record.js'

// Parsed pieces of text (one stream buffer each) held before the file stream is paused. One is
// enough: the stream keeps its own buffer filled meanwhile, and a piece's rows that wait longer
// outlive the young generation (4 pieces measured 175 ms of GC on the reader thread per million
// rows, 1 piece 95 ms).
const PENDING_PIECES = 1

/**
 * The rows of a CSV stream (text, a header row first) in chunks of `batchRows`. A line whose
 * cells are the model's features in its order, each a plain number, is written straight into
 * the chunk's numbers; any other line becomes a record, and a line papaparse could not read (a
 * quote left open or followed by more text) a rejected one with papaparse's reason.
 */
export async function* csvChunks(input: Readable, featureNames: readonly string[] | undefined, batchRows: number): AsyncIterable<InputChunk> {
  const chunks = new ChunkBuilder(featureNames?.length ?? 0, batchRows)
  let layout: CsvLayout | undefined
  let row = 0
  for await (const { data: lines, errors } of csvPieces(input)) {
    const faults = new Map(errors.map((error) => [error.row, error.message]))
    for (let index = 0; index < lines.length; index += 1) {
      const cells = lines[index] ?? []
      // A blank line is not a row. (Skipped here rather than by papaparse, whose option would leave
      // the error rows' indexes pointing past the lines it removed.)
      if (cells.length === 1 && cells[0] === '') continue
      if (layout === undefined) {
        layout = csvLayout(withoutByteOrderMark(cells), featureNames)
        continue
      }
      const fault = faults.get(index)
      if (fault !== undefined) chunks.addRecord({ row, error: `not valid CSV: ${fault}` })
      else if (!(layout.asRows && addPlainLine(chunks, layout, cells, row))) chunks.addRecord(csvRecord(layout, cells, row))
      row += 1
      if (chunks.full) yield chunks.take() as InputChunk
    }
  }
  const last = chunks.take()
  if (last !== undefined) yield last
}

/** The header's cells without the byte order mark some writers put first (papaparse keeps it when it reads a stream). */
function withoutByteOrderMark(cells: readonly string[]): string[] {
  const [first = '', ...rest] = cells
  return [first.replace(/^\uFEFF/, ''), ...rest]
}

/**
 * The lines of a CSV stream as papaparse parses them, a piece of text at a time. A line with
 * too few or too many cells is kept as it is (one rejected row, not the end of the file). The
 * line break (\n, \r\n or \r) is the one the first piece uses; a piece holds 64 KiB. The
 * stream is paused while PENDING_PIECES are unread, and destroyed when the reading stops early.
 */
async function* csvPieces(input: Readable): AsyncIterable<Papa.ParseResult<string[]>> {
  const pieces: Papa.ParseResult<string[]>[] = []
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const signal = (): void => {
    const waiting = wake
    wake = undefined
    waiting?.()
  }
  Papa.parse<string[]>(input, {
    delimiter: ',',
    chunk: (piece) => {
      pieces.push(piece)
      if (pieces.length >= PENDING_PIECES) input.pause()
      signal()
    },
    complete: () => {
      ended = true
      signal()
    },
    error: (err) => {
      failure = err
      signal()
    },
  })
  try {
    for (;;) {
      const piece = pieces.shift()
      if (piece !== undefined) {
        yield piece
        continue
      }
      if (failure !== undefined) throw failure
      if (ended) return
      input.resume()
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    input.destroy()
  }
}

/** Adds a line of plain numbers in the model's order; false (nothing added) for any other line. */
function addPlainLine(chunks: ChunkBuilder, layout: CsvLayout, cells: readonly string[], row: number): boolean {
  const { header, idColumn } = layout
  if (cells.length !== header.length) return false
  const { values } = chunks
  let at = chunks.offset
  for (let column = 0; column < cells.length; column += 1) {
    if (column === idColumn) continue
    const value = plainNumber(cells[column] ?? '')
    if (value === undefined) return false
    values[at] = value
    at += 1
  }
  chunks.addPlain(row, idColumn === -1 ? undefined : cells[idColumn])
  return true
}

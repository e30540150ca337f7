import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import { ChunkBuilder, type InputChunk } from './input-chunk.js'
import { csvLayout, csvRecord, plainNumber, type CsvLayout } from './input-record.js'
import { streamBatches } from './stream-batches.js'

/**
 * The rows of a CSV stream (a header row first) in chunks of `batchRows`. A line whose cells are
 * the model's features in its order, each a plain number, is written straight into the chunk's
 * numbers; any other line becomes a record as before.
 */
export async function* csvChunks(input: Readable, featureNames: readonly string[] | undefined, batchRows: number): AsyncIterable<InputChunk> {
  // A line with too few or too many cells is one rejected row, not the end of the file.
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }))
  const chunks = new ChunkBuilder(featureNames?.length ?? 0, batchRows)
  let layout: CsvLayout | undefined
  let row = 0
  for await (const lines of streamBatches<string[]>(parser)) {
    for (const cells of lines) {
      if (layout === undefined) {
        layout = csvLayout(cells, featureNames)
        continue
      }
      if (!(layout.asRows && addPlainLine(chunks, layout, cells, row))) chunks.addRecord(csvRecord(layout, cells, row))
      row += 1
      if (chunks.full) yield chunks.take() as InputChunk
    }
  }
  const last = chunks.take()
  if (last !== undefined) yield last
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

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { csvChunks } from './csv-reader.js'
import type { FileFormat } from './format.js'
import type { InputChunk } from './input-chunk.js'
import { jsonLineChunks } from './json-lines-reader.js'
import { openParquetReader } from './parquet-reader.js'

/** How far a reader has come: `done` of `total`, in bytes for text files and rows for Parquet. */
export interface ReadProgress {
  done: number
  total: number
}

/** The rows of one input file, read as a stream in chunks. */
export interface RecordReader {
  chunks: AsyncIterable<InputChunk>
  progress(): ReadProgress
}

/** What a reader needs to know. */
export interface ReaderOptions {
  /** Rows per chunk. */
  batchRows: number
  /** The model's feature names in order, when known (rows of plain numbers in that order skip the per-row path). */
  featureNames?: readonly string[]
}

// Pieces of text read at a time: a piece's parsed rows are held at once, so a larger piece holds
// more rows alive past the young generation (1 MiB pieces raised the peak RSS by 150 MiB).
const READ_BYTES = 64 * 1024

/** Opens a streaming reader for a file of the given format. */
export async function openReader(path: string, format: FileFormat, options: ReaderOptions): Promise<RecordReader> {
  const { batchRows, featureNames } = options
  if (format === 'parquet') return openParquetReader(path, featureNames, batchRows)
  const { size } = await stat(path)
  // Read as text: a character cut between two pieces is joined again before it is parsed.
  const input = createReadStream(path, { highWaterMark: READ_BYTES, encoding: 'utf8' })
  const chunks = format === 'csv' ? csvChunks(input, featureNames, batchRows) : jsonLineChunks(input, featureNames, batchRows)
  // Bytes read so far, a little ahead of the rows scored (one stream buffer).
  return { chunks, progress: () => ({ done: input.bytesRead, total: size }) }
}

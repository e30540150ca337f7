import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { parse } from 'csv-parse'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import type { FileFormat } from './format.js'
import { csvLayout, csvRecord, jsonLineRecord, objectRecord, type CsvLayout, type InputRecord } from './input-record.js'

/** How far a reader has come: `done` of `total`, in bytes for text files and rows for Parquet. */
export interface ReadProgress {
  done: number
  total: number
}

/** The records of one input file, read as a stream. */
export interface RecordReader {
  records: AsyncIterable<InputRecord>
  progress(): ReadProgress
}

/** What a reader may know about the model. */
export interface ReaderOptions {
  /** The model's feature names in order, when known (CSV rows in that order are sent as arrays). */
  featureNames?: readonly string[]
}

/** Opens a streaming reader for a file of the given format. */
export async function openReader(path: string, format: FileFormat, options: ReaderOptions = {}): Promise<RecordReader> {
  if (format === 'parquet') return openParquetReader(path, options.featureNames)
  const { size } = await stat(path)
  const input = createReadStream(path)
  const records = format === 'csv' ? csvRecords(input, options.featureNames) : jsonLineRecords(input)
  // Bytes read so far, a little ahead of the rows scored (one stream buffer).
  return { records, progress: () => ({ done: input.bytesRead, total: size }) }
}

async function* csvRecords(input: NodeJS.ReadableStream, featureNames: readonly string[] | undefined): AsyncIterable<InputRecord> {
  // A line with too few or too many cells is one rejected row, not the end of the file.
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }))
  let layout: CsvLayout | undefined
  let row = 0
  for await (const cells of parser as AsyncIterable<string[]>) {
    if (layout === undefined) {
      layout = csvLayout(cells, featureNames)
      continue
    }
    yield csvRecord(layout, cells, row)
    row += 1
  }
}

async function* jsonLineRecords(input: NodeJS.ReadableStream): AsyncIterable<InputRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity })
  let row = 0
  for await (const line of lines) {
    // Blank lines (a trailing newline, a separator) are not rows.
    if (line.trim() === '') continue
    yield jsonLineRecord(line, row)
    row += 1
  }
}

/** Parquet is read one row group at a time, so memory follows the file's row-group size. */
async function openParquetReader(path: string, featureNames: readonly string[] | undefined): Promise<RecordReader> {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const total = Number(metadata.num_rows)
  // The root element is the schema itself; its children are the columns.
  const columns = metadata.schema.slice(1).map((element) => element.name)
  const hasId = columns.includes('id')
  const features = columns.filter((name) => name !== 'id')
  const asRows = featureNames !== undefined && features.length === featureNames.length && featureNames.every((name) => features.includes(name))
  const progress = { done: 0, total }
  async function* records(): AsyncIterable<InputRecord> {
    let rowStart = 0
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows)
      const objects = await parquetReadObjects({ file, metadata, rowStart, rowEnd })
      for (const [offset, object] of objects.entries()) yield objectRecord(object, hasId, rowStart + offset, asRows ? featureNames : undefined)
      progress.done = rowEnd
      rowStart = rowEnd
    }
  }
  return { records: records(), progress: () => progress }
}

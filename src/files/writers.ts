import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer'
import type { FileFormat } from './format.js'
import { CsvText, JsonLinesText } from './batch-text.js'
import { flatLayout, joinBatches, type FlatLayout, type ScoredBatch } from './scored-batch.js'

/** A sink for scored rows, written in input order. */
export interface RowWriter {
  write(batch: ScoredBatch): Promise<void>
  close(): Promise<void>
}

/** Opens a streaming writer of the given format; `labels` name the `p_<label>` columns. */
export function openWriter(path: string, format: FileFormat, labels: readonly string[] | undefined): RowWriter {
  if (format === 'jsonl') return new JsonLinesWriter(path)
  if (format === 'csv') return new CsvWriter(path, labels)
  return new ParquetRowWriter(path, labels)
}

/** Lines of text to a file, waiting for the disk when the stream's buffer is full. */
export class LineWriter {
  readonly #out: WriteStream
  #failure: Error | undefined

  constructor(path: string) {
    this.#out = createWriteStream(path)
    // Kept for the next write, which throws it: an unheard 'error' event would end the process.
    this.#out.on('error', (err) => (this.#failure = err))
  }

  /** Appends lines, each followed by a newline. */
  writeLines(lines: readonly string[]): Promise<void> {
    return lines.length === 0 ? Promise.resolve() : this.writeText(`${lines.join('\n')}\n`)
  }

  /** Appends text as it is. */
  async writeText(text: string): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure
    if (!this.#out.write(text)) await once(this.#out, 'drain')
  }

  async close(): Promise<void> {
    this.#out.end()
    await finished(this.#out)
  }
}

class JsonLinesWriter implements RowWriter {
  readonly #lines: LineWriter
  readonly #text = new JsonLinesText()

  constructor(path: string) {
    this.#lines = new LineWriter(path)
  }

  async write(batch: ScoredBatch): Promise<void> {
    if (batch.rows.length > 0) await this.#lines.writeText(this.#text.lines(batch))
  }

  close(): Promise<void> {
    return this.#lines.close()
  }
}

/** CSV, one piece of text per batch; the first batch fixes the columns and brings the header. */
class CsvWriter implements RowWriter {
  readonly #lines: LineWriter
  #text: CsvText | undefined

  constructor(
    path: string,
    private readonly labels: readonly string[] | undefined,
  ) {
    this.#lines = new LineWriter(path)
  }

  async write(batch: ScoredBatch): Promise<void> {
    if (batch.rows.length === 0) return
    let header = ''
    if (this.#text === undefined) {
      this.#text = new CsvText(flatLayout(batch, this.labels))
      header = this.#text.header()
    }
    await this.#lines.writeText(header + this.#text.lines(batch))
  }

  /** A file where every row was rejected is left empty: without a row there are no columns. */
  close(): Promise<void> {
    return this.#lines.close()
  }
}

// Rows per Parquet row group: large enough for good compression, small enough to bound memory.
const ROW_GROUP_ROWS = 65_536

/** Parquet through hyparquet-writer, one row group per ROW_GROUP_ROWS rows. */
class ParquetRowWriter implements RowWriter {
  #writer: ParquetWriter | undefined
  #layout: FlatLayout | undefined
  /** Whether predictions are numbers (a DOUBLE column) or labels (STRING), fixed by the first row. */
  #numeric: boolean | undefined
  #pending: ScoredBatch[] = []
  #pendingRows = 0

  constructor(
    private readonly path: string,
    private readonly labels: readonly string[] | undefined,
  ) {}

  async write(batch: ScoredBatch): Promise<void> {
    if (batch.rows.length === 0) return
    this.#pending.push(batch)
    this.#pendingRows += batch.rows.length
    if (this.#pendingRows >= ROW_GROUP_ROWS) await this.#flush()
  }

  async close(): Promise<void> {
    await this.#flush()
    // Without a row there are no columns: the file is written with the key column alone.
    this.#writer ??= new ParquetWriter({ writer: fileWriter(this.path), schema: schemaFromColumnData({ columnData: [{ name: 'row', type: 'INT64', nullable: false, data: [] }] }) })
    await this.#writer.finish()
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return
    const batch = joinBatches(this.#pending)
    this.#pending = []
    this.#pendingRows = 0
    const layout = (this.#layout ??= flatLayout(batch, this.labels))
    const numeric = (this.#numeric ??= typeof batch.predictions[0] === 'number')
    const columnData = parquetColumns(batch, layout, numeric)
    this.#writer ??= new ParquetWriter({ writer: fileWriter(this.path), schema: schemaFromColumnData({ columnData }) })
    await this.#writer.write({ columnData, rowGroupSize: batch.rows.length })
  }
}

function parquetColumns(batch: ScoredBatch, layout: FlatLayout, numeric: boolean): ColumnSource[] {
  const { rows, ids, predictions } = batch
  const count = rows.length
  const key: ColumnSource =
    layout.key === 'id'
      ? { name: 'id', type: 'STRING', nullable: true, data: rows.map((_, index) => (ids?.[index] === undefined ? null : String(ids[index]))) }
      : { name: 'row', type: 'INT64', nullable: false, data: fill(new BigInt64Array(count), (index) => BigInt(rows[index] ?? 0)) }
  const prediction: ColumnSource = numeric
    ? { name: 'prediction', type: 'DOUBLE', nullable: false, data: fill(new Float64Array(count), (index) => Number(predictions[index])) }
    : { name: 'prediction', type: 'STRING', nullable: false, data: predictions.map((value) => (Array.isArray(value) ? JSON.stringify(value) : String(value))) }
  return [key, prediction, ...layout.probabilityColumns.map((name, column) => probabilityColumn(batch, name, column))]
}

/** One `p_<label>` column, taken out of the batch's row-major probabilities. */
function probabilityColumn(batch: ScoredBatch, name: string, column: number): ColumnSource {
  const { probabilities, classes, rows } = batch
  if (probabilities === undefined || column >= classes) return { name, type: 'DOUBLE', nullable: true, data: rows.map(() => null) }
  return { name, type: 'DOUBLE', nullable: true, data: fill(new Float64Array(rows.length), (index) => probabilities[index * classes + column] ?? NaN) }
}

function fill<T extends Float64Array | BigInt64Array>(array: T, value: (index: number) => T[number]): T {
  for (let index = 0; index < array.length; index += 1) array[index] = value(index)
  return array
}

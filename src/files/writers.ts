import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import { stringify } from 'csv-stringify/sync'
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer'
import type { FileFormat } from './format.js'
import { flatCells, flatHeader, flatLayout, flatPrediction, jsonLine, type FlatLayout, type ScoredRow } from './scored-row.js'

/** A sink for scored rows, written in input order. */
export interface RowWriter {
  write(rows: readonly ScoredRow[]): Promise<void>
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

  constructor(path: string) {
    this.#lines = new LineWriter(path)
  }

  write(rows: readonly ScoredRow[]): Promise<void> {
    return this.#lines.writeLines(rows.map(jsonLine))
  }

  close(): Promise<void> {
    return this.#lines.close()
  }
}

/** CSV through csv-stringify, one call per chunk; the first row fixes the columns and brings the header. */
class CsvWriter implements RowWriter {
  readonly #lines: LineWriter
  #layout: FlatLayout | undefined

  constructor(
    path: string,
    private readonly labels: readonly string[] | undefined,
  ) {
    this.#lines = new LineWriter(path)
  }

  async write(rows: readonly ScoredRow[]): Promise<void> {
    const first = rows[0]
    if (first === undefined) return
    const header = this.#layout === undefined
    const layout = (this.#layout ??= flatLayout(first, this.labels))
    const cells = rows.map((row) => flatCells(row, layout))
    await this.#lines.writeText(stringify(header ? [flatHeader(layout), ...cells] : cells))
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
  #pending: ScoredRow[] = []

  constructor(
    private readonly path: string,
    private readonly labels: readonly string[] | undefined,
  ) {}

  async write(rows: readonly ScoredRow[]): Promise<void> {
    for (const row of rows) this.#pending.push(row)
    if (this.#pending.length >= ROW_GROUP_ROWS) await this.#flush()
  }

  async close(): Promise<void> {
    await this.#flush()
    // Without a row there are no columns: the file is written with the key column alone.
    this.#writer ??= new ParquetWriter({ writer: fileWriter(this.path), schema: schemaFromColumnData({ columnData: [{ name: 'row', type: 'INT64', nullable: false, data: [] }] }) })
    await this.#writer.finish()
  }

  async #flush(): Promise<void> {
    const rows = this.#pending
    const first = rows[0]
    if (first === undefined) return
    this.#pending = []
    const layout = (this.#layout ??= flatLayout(first, this.labels))
    const numeric = (this.#numeric ??= typeof first.prediction === 'number')
    const columnData = parquetColumns(rows, layout, numeric)
    this.#writer ??= new ParquetWriter({ writer: fileWriter(this.path), schema: schemaFromColumnData({ columnData }) })
    await this.#writer.write({ columnData, rowGroupSize: rows.length })
  }
}

function parquetColumns(rows: readonly ScoredRow[], layout: FlatLayout, numeric: boolean): ColumnSource[] {
  const key: ColumnSource =
    layout.key === 'id'
      ? { name: 'id', type: 'STRING', nullable: true, data: rows.map((row) => (row.id === undefined ? null : String(row.id))) }
      : { name: 'row', type: 'INT64', nullable: false, data: rows.map((row) => BigInt(row.row)) }
  const prediction: ColumnSource = numeric
    ? { name: 'prediction', type: 'DOUBLE', nullable: false, data: Float64Array.from(rows, (row) => Number(row.prediction)) }
    : { name: 'prediction', type: 'STRING', nullable: false, data: rows.map((row) => String(flatPrediction(row.prediction))) }
  const probabilities = layout.probabilityColumns.map((name, index): ColumnSource => ({
    name,
    type: 'DOUBLE',
    nullable: true,
    data: rows.map((row) => row.probabilities?.[index] ?? null),
  }))
  return [key, prediction, ...probabilities]
}

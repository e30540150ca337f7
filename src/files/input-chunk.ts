import type { RowMatrix } from '../predict/row-matrix.js'
import type { InputRecord } from './input-record.js'

/** Up to --batch-rows consecutive input rows, as numbers in the model's feature order when every row is plain, else as records. */
export type InputChunk = PlainChunk | RecordChunk

/** Rows that are all plain numbers in the model's feature order (nothing missing, no text). */
export interface PlainChunk {
  kind: 'plain'
  /** 0-based position of the first row; the others follow it. */
  firstRow: number
  matrix: RowMatrix
  /** Each row's id, when the file has them. */
  ids?: readonly (string | number | undefined)[]
}

/** Rows of which at least one is not plain: each goes through the predict body, as it would over HTTP. */
export interface RecordChunk {
  kind: 'records'
  records: InputRecord[]
}

/**
 * Collects rows into chunks: a reader writes a plain row's values at `offset` in `values` and
 * adds it with addPlain, or adds any other row as a record. The first record turns the chunk
 * into records, so its plain rows become records too (a bad row is rare).
 */
export class ChunkBuilder {
  #values: Float64Array
  #ids: (string | number | undefined)[] = []
  #records: InputRecord[] | undefined
  #firstRow = 0
  #count = 0

  constructor(
    private readonly width: number,
    private readonly batchRows: number,
  ) {
    this.#values = new Float64Array(width * batchRows)
  }

  /** Where the next plain row's values go. */
  get values(): Float64Array {
    return this.#values
  }

  /** Index in `values` of the next plain row's first value. */
  get offset(): number {
    return this.#count * this.width
  }

  get full(): boolean {
    return this.#count >= this.batchRows
  }

  /** Adds the row whose values were written at `offset`. */
  addPlain(row: number, id: string | number | undefined): void {
    if (this.#count === 0) this.#firstRow = row
    if (this.#records === undefined) this.#ids.push(id)
    else this.#records.push(plainRecord(row, id, this.#values.slice(this.offset, this.offset + this.width)))
    this.#count += 1
  }

  /** Adds a row that is not plain (or could not be read). */
  addRecord(record: InputRecord): void {
    if (this.#count === 0) this.#firstRow = record.row
    this.#records ??= this.#ids.map((id, index) => plainRecord(this.#firstRow + index, id, this.#values.slice(index * this.width, (index + 1) * this.width)))
    this.#records.push(record)
    this.#count += 1
  }

  /** The rows collected so far as a chunk, and an empty builder; undefined without rows. */
  take(): InputChunk | undefined {
    if (this.#count === 0) return undefined
    const chunk: InputChunk =
      this.#records !== undefined
        ? { kind: 'records', records: this.#records }
        : {
            kind: 'plain',
            firstRow: this.#firstRow,
            matrix: { values: this.#count === this.batchRows ? this.#values : this.#values.slice(0, this.offset), rows: this.#count },
            ...(this.#ids.some((id) => id !== undefined) ? { ids: this.#ids } : {}),
          }
    this.#values = new Float64Array(this.width * this.batchRows)
    this.#ids = []
    this.#records = undefined
    this.#count = 0
    return chunk
  }
}

function plainRecord(row: number, id: string | number | undefined, values: Float64Array): InputRecord {
  return id === undefined ? { row, features: Array.from(values) } : { row, id, features: Array.from(values) }
}

/** The records of a chunk, for the per-row path. */
export function chunkRecords(chunk: InputChunk): InputRecord[] {
  if (chunk.kind === 'records') return chunk.records
  const { firstRow, matrix, ids } = chunk
  const width = matrix.values.length / matrix.rows
  return Array.from({ length: matrix.rows }, (_, index) => plainRecord(firstRow + index, ids?.[index], matrix.values.slice(index * width, (index + 1) * width)))
}

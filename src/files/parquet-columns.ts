import type { ColumnSource } from 'hyparquet-writer'
import type { FlatLayout, ScoredBatch } from './scored-batch.js'

/**
 * The columns of one Parquet row group, built straight from the batches it holds, in order: the
 * key (`row` INT64 or `id` STRING), `prediction` (DOUBLE or STRING) and one DOUBLE column per
 * `p_<label>`. The group's first batch tells whether there are probabilities and how many per
 * row; a later batch without them gives 0s.
 */
export function rowGroupColumns(batches: readonly ScoredBatch[], layout: FlatLayout, numeric: boolean): { columns: ColumnSource[]; rows: number } {
  const rows = batches.reduce((sum, batch) => sum + batch.rows.length, 0)
  const key: ColumnSource =
    layout.key === 'id'
      ? { name: 'id', type: 'STRING', nullable: true, data: gather(new Array<string | null>(rows), batches, (batch, index) => idText(batch.ids?.[index])) }
      : { name: 'row', type: 'INT64', nullable: false, data: gather(new BigInt64Array(rows), batches, (batch, index) => BigInt(batch.rows[index] ?? 0)) }
  const prediction: ColumnSource = numeric
    ? { name: 'prediction', type: 'DOUBLE', nullable: false, data: gather(new Float64Array(rows), batches, (batch, index) => Number(batch.predictions[index] ?? NaN)) }
    : { name: 'prediction', type: 'STRING', nullable: false, data: gather(new Array<string>(rows), batches, (batch, index) => predictionText(batch.predictions[index] ?? NaN)) }
  const probabilities = layout.probabilityColumns.map((name, column) => probabilityColumn(batches, rows, name, column))
  return { columns: [key, prediction, ...probabilities], rows }
}

function idText(id: string | number | undefined): string | null {
  return id === undefined ? null : String(id)
}

function predictionText(value: ScoredBatch['predictions'][number]): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value)
}

/** One `p_<label>` column, taken out of each batch's row-major probabilities. */
function probabilityColumn(batches: readonly ScoredBatch[], rows: number, name: string, column: number): ColumnSource {
  const classes = batches[0]?.classes ?? 0
  if (batches[0]?.probabilities === undefined || column >= classes) return { name, type: 'DOUBLE', nullable: true, data: new Array<null>(rows).fill(null) }
  const data = gather(new Float64Array(rows), batches, (batch, index) => (batch.probabilities === undefined ? 0 : (batch.probabilities[index * classes + column] ?? NaN)))
  return { name, type: 'DOUBLE', nullable: true, data }
}

/** Fills `column` with one value per row of the batches, in order. */
function gather<T extends { [index: number]: V; length: number }, V>(column: T, batches: readonly ScoredBatch[], value: (batch: ScoredBatch, index: number) => V): T {
  let at = 0
  for (const batch of batches) {
    for (let index = 0; index < batch.rows.length; index += 1) {
      column[at] = value(batch, index)
      at += 1
    }
  }
  return column
}

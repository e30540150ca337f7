import type { Prediction } from '../predict/prediction.js'

/** One input row with its answer. */
export interface ScoredRow {
  row: number
  id?: string | number
  prediction: Prediction['predictions'][number]
  probabilities?: number[]
}

/** One input row that was refused, with the error envelope's code and message. */
export interface RejectedRow {
  row: number
  id?: string | number
  error: { code: string; message: string }
}

/** The columns of a flat (CSV or Parquet) output file, fixed by its first row. */
export interface FlatLayout {
  /** `id` when the input carries ids, else the 0-based `row`. */
  key: 'id' | 'row'
  /** `p_<label>` per class, in the order of the model's probabilities; empty without probabilities. */
  probabilityColumns: string[]
}

/** The flat layout for rows like `first`; classes without labels are named by their index. */
export function flatLayout(first: ScoredRow, labels: readonly string[] | undefined): FlatLayout {
  const classes = first.probabilities?.length ?? 0
  const probabilityColumns = Array.from({ length: classes }, (_, index) => `p_${labels?.[index] ?? String(index)}`)
  return { key: first.id === undefined ? 'row' : 'id', probabilityColumns }
}

/** The header of a flat file. */
export function flatHeader(layout: FlatLayout): string[] {
  return [layout.key, 'prediction', ...layout.probabilityColumns]
}

/** A prediction as one flat cell: labels and numbers as they are, a vector as JSON. */
export function flatPrediction(prediction: ScoredRow['prediction']): string | number {
  return Array.isArray(prediction) ? JSON.stringify(prediction) : prediction
}

/** One scored row as the cells of a flat file, in flatHeader's order. */
export function flatCells(row: ScoredRow, layout: FlatLayout): (string | number | null)[] {
  const key = layout.key === 'id' ? (row.id ?? null) : row.row
  const cells: (string | number | null)[] = [key, flatPrediction(row.prediction)]
  for (let index = 0; index < layout.probabilityColumns.length; index += 1) cells.push(row.probabilities?.[index] ?? null)
  return cells
}

/** One scored row as a JSON Lines object: `id` or `row`, `prediction`, and `probabilities` when the model has them. */
export function jsonLine(row: ScoredRow): string {
  const key = row.id === undefined ? { row: row.row } : { id: row.id }
  return JSON.stringify({ ...key, prediction: row.prediction, ...(row.probabilities === undefined ? {} : { probabilities: row.probabilities }) })
}

/** One rejected row as a rejects-file line. */
export function rejectLine(rejected: RejectedRow): string {
  return JSON.stringify({ row: rejected.row, id: rejected.id ?? null, error: rejected.error })
}

/** The rows of a prediction, paired with the records they came from. */
export function scoredRows(records: readonly { row: number; id?: string | number }[], prediction: Prediction): ScoredRow[] {
  return records.map((record, index) => {
    const answer = prediction.predictions[index]
    if (answer === undefined) throw new Error(`the model answered ${prediction.predictions.length} rows for ${records.length}`)
    const probabilities = prediction.probabilities?.[index]
    return {
      row: record.row,
      ...(record.id === undefined ? {} : { id: record.id }),
      prediction: answer,
      ...(probabilities === undefined ? {} : { probabilities }),
    }
  })
}

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

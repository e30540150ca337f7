import type { AnswerColumns } from '../predict/row-answer.js'
import type { ScoredRow } from './scored-row.js'

/** Answers to consecutive chunks of input rows, in columns (no object per row), in input order. */
export interface ScoredBatch {
  /** 0-based input row of each answer. */
  rows: readonly number[]
  /** Each row's id, when the input has them. */
  ids?: readonly (string | number | undefined)[]
  predictions: AnswerColumns['predictions']
  /** Row-major [rows × classes]; absent when the model has no probabilities. */
  probabilities?: Float64Array
  classes: number
}

/** The columns of a flat (CSV or Parquet) output file, fixed by its first batch. */
export interface FlatLayout {
  /** `id` when the input carries ids, else the 0-based `row`. */
  key: 'id' | 'row'
  /** `p_<label>` per class, in the order of the model's probabilities; empty without probabilities. */
  probabilityColumns: string[]
}

/** The flat layout for batches like `first` (keyed by its first row); classes without labels are named by their index. */
export function flatLayout(first: ScoredBatch, labels: readonly string[] | undefined): FlatLayout {
  const probabilityColumns = Array.from({ length: first.probabilities === undefined ? 0 : first.classes }, (_, index) => `p_${labels?.[index] ?? String(index)}`)
  return { key: first.ids?.[0] === undefined ? 'row' : 'id', probabilityColumns }
}

/** The header of a flat file. */
export function flatHeader(layout: FlatLayout): string[] {
  return [layout.key, 'prediction', ...layout.probabilityColumns]
}

/** The answers to a plain chunk: rows from `firstRow` on, with the chunk's ids. */
export function columnBatch(firstRow: number, ids: readonly (string | number | undefined)[] | undefined, answer: AnswerColumns): ScoredBatch {
  const rows: number[] = []
  for (let index = 0; index < answer.predictions.length; index += 1) rows.push(firstRow + index)
  return {
    rows,
    ...(ids === undefined ? {} : { ids }),
    predictions: answer.predictions,
    classes: answer.classes,
    ...(answer.probabilities === undefined ? {} : { probabilities: answer.probabilities }),
  }
}

/** Scored rows (the per-row path) as a batch; a missing probability (null over HTTP) is NaN. */
export function rowsBatch(scored: readonly ScoredRow[]): ScoredBatch {
  const classes = scored[0]?.probabilities?.length ?? 0
  const withProbabilities = scored[0]?.probabilities !== undefined
  const probabilities = withProbabilities ? new Float64Array(scored.length * classes) : undefined
  if (probabilities !== undefined) scored.forEach((row, index) => probabilities.set(row.probabilities?.map((value) => value ?? NaN) ?? [], index * classes))
  return {
    rows: scored.map((row) => row.row),
    ...(scored.some((row) => row.id !== undefined) ? { ids: scored.map((row) => row.id) } : {}),
    predictions: scored.map((row) => row.prediction),
    classes,
    ...(probabilities === undefined ? {} : { probabilities }),
  }
}

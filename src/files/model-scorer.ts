import type { ColumnPrediction } from '../predict/row-door.js'
import type { RowMatrix } from '../predict/row-matrix.js'
import type { ScoreRows } from './chunk-scorer.js'

/** A way to score rows of one model, with what the output files need to know of it. */
export interface ModelScorer {
  score: ScoreRows
  /** Scores rows of plain numbers in the model's feature order in one call, when the scorer can; throws an ApiError when it refuses them. */
  scoreMatrix?: (matrix: RowMatrix) => Promise<ColumnPrediction>
  /** Class labels in the order of the model's probabilities, when it has them. */
  labels?: readonly string[]
  /** Feature names in the order of the model's rows, when known. */
  featureNames?: readonly string[]
  close(): Promise<void>
}

/** A problem with what the operator asked for (unknown model, missing file): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

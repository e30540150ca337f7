/** Precision and recall of one class. */
export interface ClassScore {
  precision: number
  recall: number
  support: number
}

/** How a classifier did on one part of the data. */
export interface ClassificationMetrics {
  rows: number
  accuracy: number
  /** By class label. */
  classes: Record<string, ClassScore>
  /** confusion[actual][predicted], in label order. */
  confusion: number[][]
}

const round = (value: number): number => Math.round(value * 10000) / 10000

/** Accuracy, per-class precision and recall (0 when undefined) and the confusion matrix. */
export function classificationMetrics(predicted: readonly number[], actual: readonly number[], labels: readonly string[]): ClassificationMetrics {
  if (predicted.length !== actual.length || actual.length === 0) throw new RangeError(`cannot score ${predicted.length} predictions against ${actual.length} labels`)
  const confusion = labels.map(() => new Array<number>(labels.length).fill(0))
  actual.forEach((truth, i) => {
    const row = confusion[truth]
    const guess = predicted[i] ?? -1
    if (row !== undefined && guess >= 0 && guess < labels.length) row[guess] = (row[guess] ?? 0) + 1
  })
  const correct = labels.reduce((sum, _, c) => sum + (confusion[c]?.[c] ?? 0), 0)
  const classes: Record<string, ClassScore> = {}
  labels.forEach((label, c) => {
    const hits = confusion[c]?.[c] ?? 0
    const support = (confusion[c] ?? []).reduce((sum, n) => sum + n, 0)
    const predictedAs = confusion.reduce((sum, row) => sum + (row[c] ?? 0), 0)
    classes[label] = { precision: predictedAs === 0 ? 0 : round(hits / predictedAs), recall: support === 0 ? 0 : round(hits / support), support }
  })
  return { rows: actual.length, accuracy: round(correct / actual.length), classes, confusion }
}

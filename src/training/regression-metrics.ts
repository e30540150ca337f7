/** How a regression did on one part of the data. */
export interface RegressionMetrics {
  rows: number
  /** Root mean squared error, in the target's unit. */
  rmse: number
  /** Mean absolute error, in the target's unit. */
  mae: number
  /** Coefficient of determination, 1 - SSres / SStot. */
  r2: number
}

const round = (value: number): number => Number(value.toPrecision(6))

/** RMSE, MAE and R² of predictions against the actual values. */
export function regressionMetrics(predicted: readonly number[], actual: readonly number[]): RegressionMetrics {
  if (predicted.length !== actual.length || actual.length === 0) throw new RangeError(`cannot score ${predicted.length} predictions against ${actual.length} values`)
  const n = actual.length
  const mean = actual.reduce((sum, value) => sum + value, 0) / n
  let squared = 0
  let absolute = 0
  let total = 0
  actual.forEach((truth, i) => {
    const error = (predicted[i] ?? Number.NaN) - truth
    squared += error * error
    absolute += Math.abs(error)
    total += (truth - mean) ** 2
  })
  // A constant held-out target has no variance to explain: R² is 1 when it is hit exactly and 0 otherwise.
  const r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total
  return { rows: n, rmse: round(Math.sqrt(squared / n)), mae: round(absolute / n), r2: round(r2) }
}

import type { LabelledDataset } from './labelled-dataset.js'
import type { RegressionDataset } from './regression-dataset.js'
import { seededRandom } from './seeded-random.js'

/** A training part and a held-out part of one data set. */
export interface TrainTestSplit<D = LabelledDataset> {
  train: D
  test: D
}

/** Row indexes of the two parts. */
interface RowSplit {
  train: number[]
  test: number[]
}

/**
 * Shuffles the row indexes with a seeded Fisher-Yates and holds out the first `testSize` share,
 * so one seed gives the same split on every machine.
 */
function splitRows(count: number, testSize: number, seed: number): RowSplit {
  if (!(testSize > 0 && testSize < 1)) throw new RangeError(`--test-size must be between 0 and 1, got ${testSize}`)
  const random = seededRandom(seed)
  const order = Array.from({ length: count }, (_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = order[i] ?? 0
    order[i] = order[j] ?? 0
    order[j] = swap
  }
  const held = Math.round(order.length * testSize)
  if (held < 1 || held >= order.length) throw new RangeError(`a test size of ${testSize} leaves no rows for ${held < 1 ? 'testing' : 'training'} (${order.length} rows)`)
  return { test: order.slice(0, held), train: order.slice(held) }
}

const rowsAt = (features: readonly number[][], indexes: readonly number[]): number[][] => indexes.map((i) => [...(features[i] ?? [])])

/** Splits a classification data set into training and held-out rows (see splitRows). */
export function splitTrainTest(data: LabelledDataset, testSize: number, seed: number): TrainTestSplit {
  const subset = (indexes: readonly number[]): LabelledDataset => ({ ...data, features: rowsAt(data.features, indexes), labels: indexes.map((i) => data.labels[i] ?? -1) })
  const rows = splitRows(data.labels.length, testSize, seed)
  return { train: subset(rows.train), test: subset(rows.test) }
}

/** Splits a regression data set into training and held-out rows, the same way as splitTrainTest. */
export function splitRegression(data: RegressionDataset, testSize: number, seed: number): TrainTestSplit<RegressionDataset> {
  const subset = (indexes: readonly number[]): RegressionDataset => ({
    ...data,
    features: rowsAt(data.features, indexes),
    targets: indexes.map((i) => data.targets[i] ?? Number.NaN),
  })
  const rows = splitRows(data.targets.length, testSize, seed)
  return { train: subset(rows.train), test: subset(rows.test) }
}

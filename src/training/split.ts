import type { LabelledDataset } from './labelled-dataset.js'
import { seededRandom } from './seeded-random.js'

/** A training part and a held-out part of one data set. */
export interface TrainTestSplit {
  train: LabelledDataset
  test: LabelledDataset
}

function subset(data: LabelledDataset, indexes: readonly number[]): LabelledDataset {
  return { ...data, features: indexes.map((i) => [...(data.features[i] ?? [])]), labels: indexes.map((i) => data.labels[i] ?? -1) }
}

/**
 * Shuffles the row indexes with a seeded Fisher-Yates and holds out the first `testSize` share,
 * so one seed gives the same split on every machine.
 */
export function splitTrainTest(data: LabelledDataset, testSize: number, seed: number): TrainTestSplit {
  if (!(testSize > 0 && testSize < 1)) throw new RangeError(`--test-size must be between 0 and 1, got ${testSize}`)
  const random = seededRandom(seed)
  const order = data.labels.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = order[i] ?? 0
    order[i] = order[j] ?? 0
    order[j] = swap
  }
  const held = Math.round(order.length * testSize)
  if (held < 1 || held >= order.length) throw new RangeError(`a test size of ${testSize} leaves no rows for ${held < 1 ? 'testing' : 'training'} (${order.length} rows)`)
  return { test: subset(data, order.slice(0, held)), train: subset(data, order.slice(held)) }
}

import { RandomForestClassifier } from 'ml-random-forest'
import { readForestTrees } from './decision-tree.js'
import type { LabelledDataset } from './labelled-dataset.js'
import { accuracyOf, type TrainedClassifier } from './trained-classifier.js'
import { treeEnsembleToOnnx } from './tree-ensemble-onnx.js'

/** Random forest hyper-parameters; the seed makes training reproducible. */
export interface RandomForestOptions {
  name: string
  nTrees: number
  maxFeatures: number
  seed: number
}

/** The ml-random-forest settings of both forests: seeded bootstrap samples, no out-of-bag estimate. */
export function forestSettings(options: RandomForestOptions): { nEstimators: number; maxFeatures: number; replacement: false; useSampleBagging: true; seed: number; noOOB: true } {
  return { nEstimators: options.nTrees, maxFeatures: options.maxFeatures, replacement: false, useSampleBagging: true, seed: options.seed, noOOB: true }
}

/** The demo forest: 25 trees, each grown on a bootstrap sample and 3 of the 4 features. */
export const DEFAULT_FOREST_OPTIONS: RandomForestOptions = { name: 'iris', nTrees: 25, maxFeatures: 3, seed: 42 }

/** Trains a seeded ml-random-forest classifier and exports it as a TreeEnsembleClassifier ONNX model. */
export function trainRandomForest(data: LabelledDataset, options: RandomForestOptions = DEFAULT_FOREST_OPTIONS): TrainedClassifier {
  const forest = new RandomForestClassifier(forestSettings(options))
  forest.train(
    data.features.map((row) => [...row]),
    [...data.labels],
  )
  const classCount = data.classNames.length

  // On a tied vote (e.g. 12-12-1) the library picks the class that reached the top count first and the
  // ONNX model the lowest class index; the two agree everywhere else.
  const predictLabels = (rows: number[][]): number[] => forest.predict(rows)
  // ml-random-forest 2.1's predictProbability drops the first tree's vote (its reduce has no initial
  // value), so the vote shares are counted here from the library's own per-tree predictions.
  const predictProbabilities = (rows: number[][]): number[][] => {
    const votes = forest.predictionValues(rows)
    return Array.from({ length: votes.rows }, (_, i) => {
      const counts = new Array<number>(classCount).fill(0)
      for (const vote of votes.getRow(i)) counts[vote] = (counts[vote] ?? 0) + 1
      return counts.map((count) => count / options.nTrees)
    })
  }

  // A JSON round trip turns the library's tree objects into plain data that readForestTrees validates.
  const forestJson: unknown = JSON.parse(JSON.stringify(forest.toJSON()))
  const onnx = treeEnsembleToOnnx(readForestTrees(forestJson), {
    featureCount: data.featureNames.length,
    classCount,
    graphName: options.name,
    docString: `Random forest (${options.nTrees} trees) trained on ${data.name} with ml-random-forest`,
  })

  return {
    name: options.name,
    predictLabels,
    predictProbabilities,
    onnx,
    accuracy: accuracyOf(predictLabels(data.features), data.labels),
  }
}

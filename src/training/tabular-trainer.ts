import type { LabelledDataset } from './labelled-dataset.js'
import { trainRandomForest } from './random-forest.js'
import { trainSoftmaxRegression } from './softmax-regression.js'
import type { TrainedClassifier } from './trained-classifier.js'

/** The algorithms `portcullis train` offers. */
export const ALGORITHMS = ['random-forest', 'logistic-regression'] as const

/** One of ALGORITHMS. */
export type Algorithm = (typeof ALGORITHMS)[number]

/** A trained classifier and the parameters it was trained with, as model.yaml records them. */
export interface TrainedTabular {
  classifier: TrainedClassifier
  library: string
  parameters: Record<string, number | boolean>
}

/** Trains the chosen algorithm on the training rows; both are deterministic for a given seed. */
export function trainTabular(algorithm: Algorithm, data: LabelledDataset, name: string, seed: number): TrainedTabular {
  if (algorithm === 'random-forest') {
    // A random three quarters of the features per tree, as the demo forest does on Iris (3 of 4).
    const parameters = { nTrees: 25, maxFeatures: Math.max(1, Math.round(data.featureNames.length * 0.75)), seed }
    return { classifier: trainRandomForest(data, { name, ...parameters }), library: 'ml-random-forest', parameters }
  }
  const parameters = { iterations: 2000, learningRate: 0.5, l2: 1e-4 }
  return { classifier: trainSoftmaxRegression(data, { name, ...parameters }), library: 'ml-matrix (softmax regression)', parameters }
}

import type { LabelledDataset } from './labelled-dataset.js'
import { trainRandomForest } from './random-forest.js'
import { trainRandomForestRegression, type TrainedRegressor } from './random-forest-regression.js'
import type { RegressionDataset } from './regression-dataset.js'
import { trainSoftmaxRegression } from './softmax-regression.js'
import type { TrainedClassifier } from './trained-classifier.js'

/** The algorithms `portcullis train` offers. */
export const ALGORITHMS = ['random-forest', 'logistic-regression'] as const

/** One of ALGORITHMS. */
export type Algorithm = (typeof ALGORITHMS)[number]

/** What `portcullis train` can fit: a classifier (the default) or a regression. */
export const TASKS = ['classification', 'regression'] as const

/** One of TASKS. */
export type Task = (typeof TASKS)[number]

/** The algorithms that fit a regression; logistic regression is a classifier only. */
export const REGRESSION_ALGORITHMS: readonly Algorithm[] = ['random-forest']

/** A trained classifier and the parameters it was trained with, as model.yaml records them. */
export interface TrainedTabular {
  classifier: TrainedClassifier
  library: string
  parameters: Record<string, number | boolean>
}

/** A trained regression and the parameters it was trained with, as model.yaml records them. */
export interface TrainedTabularRegression {
  regressor: TrainedRegressor
  library: string
  parameters: Record<string, number | boolean>
}

// A random three quarters of the features per tree, as the demo forest does on Iris (3 of 4).
const forestParameters = (featureCount: number, seed: number): { nTrees: number; maxFeatures: number; seed: number } => ({
  nTrees: 25,
  maxFeatures: Math.max(1, Math.round(featureCount * 0.75)),
  seed,
})

/** Trains the chosen algorithm on the training rows; both are deterministic for a given seed. */
export function trainTabular(algorithm: Algorithm, data: LabelledDataset, name: string, seed: number): TrainedTabular {
  if (algorithm === 'random-forest') {
    const parameters = forestParameters(data.featureNames.length, seed)
    return { classifier: trainRandomForest(data, { name, ...parameters }), library: 'ml-random-forest', parameters }
  }
  const parameters = { iterations: 2000, learningRate: 0.5, l2: 1e-4 }
  return { classifier: trainSoftmaxRegression(data, { name, ...parameters }), library: 'ml-matrix (softmax regression)', parameters }
}

/** Trains a regression with the chosen algorithm; only the random forest fits one. */
export function trainTabularRegression(algorithm: Algorithm, data: RegressionDataset, name: string, seed: number): TrainedTabularRegression {
  if (!REGRESSION_ALGORITHMS.includes(algorithm)) throw new Error(`${algorithm} is a classifier; --task regression takes ${REGRESSION_ALGORITHMS.join(' or ')}`)
  const parameters = forestParameters(data.featureNames.length, seed)
  return { regressor: trainRandomForestRegression(data, { name, ...parameters }), library: 'ml-random-forest (RandomForestRegression, mean of the trees)', parameters }
}

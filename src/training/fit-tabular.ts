import { computeProfile, computeRegressionProfile, type ReferenceProfile } from '../drift/profile.js'
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics.js'
import { labelledDataset, regressionDataset, type CsvTable } from './csv-table.js'
import { regressionMetrics, type RegressionMetrics } from './regression-metrics.js'
import { splitRegression, splitTrainTest } from './split.js'
import { trainTabular, trainTabularRegression, type Algorithm } from './tabular-trainer.js'
import { REGRESSION_OUTPUT } from './tree-regressor-onnx.js'

/** What to fit on a table. */
export interface FitOptions {
  target: string
  model: string
  algorithm: Algorithm
  testSize: number
  seed: number
}

/** Metrics on the training and the held-out rows, by task. */
export type TaskMetrics =
  { task: 'classification'; train: ClassificationMetrics; test: ClassificationMetrics } | { task: 'regression'; train: RegressionMetrics; test: RegressionMetrics }

/** A fitted model, ready to be written: its ONNX bytes, reference profile, metrics and the model.yaml keys of its task. */
export interface FittedModel {
  metrics: TaskMetrics
  onnx: Uint8Array
  profile: ReferenceProfile
  featureNames: readonly string[]
  /** The training rows (their ranges go into model.yaml). */
  trainFeatures: number[][]
  testRows: number
  library: string
  parameters: Record<string, number | boolean>
  /** model.yaml keys that say how the gateway reads the outputs (`labels`, `outputs`); none for a regression. */
  outputKeys: Record<string, unknown>
  /** What model.yaml's `training` says about the output. */
  output: Record<string, unknown>
}

/** Splits the table, trains a classifier on one part and scores it on both. */
export function fitClassification(table: CsvTable, options: FitOptions): FittedModel {
  const data = labelledDataset(table, options.target, options.model)
  const { train, test } = splitTrainTest(data, options.testSize, options.seed)
  const trained = trainTabular(options.algorithm, train, options.model, options.seed)
  const { classifier } = trained
  const labels = [...data.classNames]
  const trainPredicted = classifier.predictLabels(train.features)
  return {
    metrics: {
      task: 'classification',
      train: classificationMetrics(trainPredicted, train.labels, labels),
      test: classificationMetrics(classifier.predictLabels(test.features), test.labels, labels),
    },
    onnx: classifier.onnx,
    profile: computeProfile(
      data.featureNames,
      train.features,
      trainPredicted.map((i) => labels[i] ?? String(i)),
      labels,
    ),
    featureNames: data.featureNames,
    trainFeatures: train.features,
    testRows: test.labels.length,
    library: trained.library,
    parameters: trained.parameters,
    outputKeys: { labels, outputs: { label: 'label', probabilities: 'probabilities' } },
    output: { label: { name: 'label', shape: ['N'] }, probabilities: { name: 'probabilities', shape: ['N', labels.length] } },
  }
}

/** Splits the table, trains a regression on one part and scores it on both (RMSE, MAE, R²). */
export function fitRegression(table: CsvTable, options: FitOptions): FittedModel {
  const data = regressionDataset(table, options.target, options.model)
  const { train, test } = splitRegression(data, options.testSize, options.seed)
  const trained = trainTabularRegression(options.algorithm, train, options.model, options.seed)
  const { regressor } = trained
  const trainPredicted = regressor.predict(train.features)
  return {
    metrics: { task: 'regression', train: regressionMetrics(trainPredicted, train.targets), test: regressionMetrics(regressor.predict(test.features), test.targets) },
    onnx: regressor.onnx,
    // The drift of a regression's answers is measured on quantile bins of its predicted values.
    profile: computeRegressionProfile(data.featureNames, train.features, trainPredicted),
    featureNames: data.featureNames,
    trainFeatures: train.features,
    testRows: test.targets.length,
    library: trained.library,
    parameters: trained.parameters,
    // No labels and no probabilities: the gateway answers each row's value from the one output.
    outputKeys: {},
    output: { prediction: { name: REGRESSION_OUTPUT, shape: ['N', 1] } },
  }
}

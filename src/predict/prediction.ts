/** What one prediction answers, before it is wrapped in the response envelope. */
export interface Prediction {
  model: string
  version: string
  /** One entry per input row: the label, or the raw value for models without labels. */
  predictions: (string | number | number[])[]
  /** Class probabilities per row, when the model has them. */
  probabilities?: number[][]
}

/** A trained classifier: its own predictions plus the equivalent ONNX model. */
export interface TrainedClassifier {
  name: string
  predictLabels(rows: number[][]): number[]
  predictProbabilities(rows: number[][]): number[][]
  onnx: Uint8Array
  accuracy: number
}

/** Fraction of predictions equal to the expected labels. */
export function accuracyOf(predicted: readonly number[], expected: readonly number[]): number {
  if (predicted.length !== expected.length || expected.length === 0) {
    throw new RangeError(`cannot score ${predicted.length} predictions against ${expected.length} labels`)
  }
  const correct = predicted.reduce((count, label, i) => count + (label === expected[i] ? 1 : 0), 0)
  return correct / expected.length
}

/** Index of the largest value; the first one wins ties. */
export function argmax(values: readonly number[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) {
    if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i
  }
  return best
}

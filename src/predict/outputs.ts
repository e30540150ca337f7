import type { Tensor } from 'onnxruntime-node'
import type { LoadedVersion } from '../models/loaded-version.js'

/** Which outputs hold the label and the probabilities of a version. */
export interface OutputPlan {
  label?: string
  probabilities?: string
}

/** Finds the label and probability outputs: named in model.yaml, else by name and shape. */
export function planOutputs(version: LoadedVersion): OutputPlan {
  const named = version.metadata.outputs
  const label = named?.label ?? version.outputs.find((o) => /label/i.test(o.name) && o.shape.length === 1)?.name
  const probabilities = named?.probabilities ?? version.outputs.find((o) => /prob/i.test(o.name) && o.shape.length === 2 && o.dtype.startsWith('float'))?.name
  return { label, probabilities }
}

/** Splits a [rows, width] tensor into rows of plain numbers. */
export function tensorRows(tensor: Tensor, rows: number): number[][] {
  const data = tensor.data
  const width = rows === 0 ? 0 : data.length / rows
  // A float32 carries about 7 significant digits; printing its double expansion would show
  // noise such as 1.0000001192092896 for a probability of 1.
  const toNumber = tensor.type === 'float32' ? fromFloat32 : Number
  const out: number[][] = []
  for (let row = 0; row < rows; row += 1) {
    const values: number[] = []
    for (let column = 0; column < width; column += 1) values.push(toNumber(data[row * width + column]))
    out.push(values)
  }
  return out
}

// A model answers few distinct float32 values (a tree ensemble's probabilities are vote shares),
// so their rounding is remembered: toPrecision is the costly step. The table is direct-mapped by
// the value's bits (a newer value takes an older one's slot), which costs a few nanoseconds where
// a Map keyed by doubles cost more than the rest of shaping a file's answer.
const ROUNDED_SLOTS = 4096
const bits = new Float64Array(1)
const bitWords = new Uint32Array(bits.buffer)
// Every slot starts as +0 (all bits zero), whose rounding is +0: an empty slot is a valid entry.
const slotHigh = new Uint32Array(ROUNDED_SLOTS)
const slotLow = new Uint32Array(ROUNDED_SLOTS)
const slotNumber = new Float64Array(ROUNDED_SLOTS)

/** A float32 value as the number the API prints: its 7 significant digits, not its double expansion. */
export function fromFloat32(value: unknown): number {
  const exact = Number(value)
  bits[0] = exact
  const low = bitWords[0] ?? 0
  const high = bitWords[1] ?? 0
  const slot = Math.imul(high ^ low, 0x9e3779b1) >>> 20
  if (slotHigh[slot] === high && slotLow[slot] === low) return slotNumber[slot] ?? NaN
  const number = Number(exact.toPrecision(7))
  slotHigh[slot] = high
  slotLow[slot] = low
  slotNumber[slot] = number
  return number
}

/** The next float32 above a value (rounded to float32 first). */
export function nextFloat32Up(value: number): number {
  const current = Math.fround(value)
  if (Number.isNaN(current) || current === Infinity) return current
  if (current === 0) return 2 ** -149
  const view = new DataView(new ArrayBuffer(4))
  view.setFloat32(0, current)
  const bits = view.getUint32(0)
  // Growing the magnitude moves positives up; shrinking it moves negatives up.
  view.setUint32(0, current > 0 ? bits + 1 : bits - 1)
  return view.getFloat32(0)
}

/** The shortest decimal (at most 9 significant digits) that rounds to the given float32 value, as a number. */
export function shortestFloat32Decimal(value: number): number {
  const target = Math.fround(value)
  if (!Number.isFinite(target)) return target
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(target.toPrecision(digits))
    if (Math.fround(candidate) === target) return candidate
  }
  return Number(target.toPrecision(9))
}

/** A float32 split value such that `float32(x) < result` exactly when `x < threshold` in double, for any x of up to 6 significant digits. */
export function float32SplitThreshold(threshold: number): number {
  if (!Number.isFinite(threshold)) throw new RangeError(`split threshold must be finite, got ${threshold}`)
  const nearest = Math.fround(threshold)
  // Decimals of up to 6 significant digits map to distinct float32 values, so only the float32 nearest the
  // threshold is ambiguous; it goes the way its shortest decimal goes in double.
  return shortestFloat32Decimal(nearest) < threshold ? nextFloat32Up(nearest) : nearest
}

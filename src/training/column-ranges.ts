/** The smallest and largest value of one feature column. */
export interface ColumnRange {
  min: number
  max: number
}

/** Per-column min/max of a non-empty numeric table. */
export function columnRanges(rows: readonly (readonly number[])[]): ColumnRange[] {
  const first = rows[0]
  if (first === undefined) throw new RangeError('cannot take column ranges of an empty table')
  return first.map((_, column) => {
    const values = rows.map((row) => row[column] ?? Number.NaN)
    return { min: Math.min(...values), max: Math.max(...values) }
  })
}

import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { finished } from 'node:stream/promises'
import { parquetWriteFile } from 'hyparquet-writer'
import { IRIS_FEATURE_NAMES, loadIris } from '../../src/demo/iris.js'

/** The 150 Iris feature rows. */
export const IRIS_ROWS: readonly number[][] = loadIris().features

/** The Iris rows as CSV with an `id` column (`iris-0` …) and a header of feature names. */
export function writeIrisCsv(path: string): void {
  const lines = [['id', ...IRIS_FEATURE_NAMES].join(','), ...IRIS_ROWS.map((row, index) => [`iris-${index}`, ...row].join(','))]
  writeFileSync(path, `${lines.join('\n')}\n`)
}

/** The Iris rows as JSON Lines of predict rows (arrays), without ids. */
export function writeIrisJsonLines(path: string): void {
  writeFileSync(path, `${IRIS_ROWS.map((row) => JSON.stringify(row)).join('\n')}\n`)
}

/** The Iris rows as Parquet: an `id` column and one DOUBLE column per feature. */
export function writeIrisParquet(path: string): void {
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'id', type: 'STRING', data: IRIS_ROWS.map((_, index) => `iris-${index}`) },
      ...IRIS_FEATURE_NAMES.map((name, column) => ({ name, type: 'DOUBLE' as const, data: IRIS_ROWS.map((row) => row[column] ?? 0) })),
    ],
  })
}

/** Writes `count` Iris rows (the 150 repeated) as CSV without holding them in memory. */
export async function writeManyIrisCsv(path: string, count: number): Promise<void> {
  const out = createWriteStream(path)
  out.write(`${IRIS_FEATURE_NAMES.join(',')}\n`)
  const lines = IRIS_ROWS.map((row) => `${row.join(',')}\n`)
  const block = 10_000
  for (let start = 0; start < count; start += block) {
    let text = ''
    for (let row = start; row < Math.min(count, start + block); row += 1) text += lines[row % lines.length]
    if (!out.write(text)) await once(out, 'drain')
  }
  out.end()
  await finished(out)
}

import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import type { LabelledDataset } from './labelled-dataset.js'
import type { RegressionDataset } from './regression-dataset.js'

/** A CSV file: its header and its rows of cells, all as text. */
export interface CsvTable {
  columns: string[]
  rows: string[][]
}

const FEATURE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** A target may always have this many classes; beyond it, at most one per two rows. */
const MAX_CLASSES_FLOOR = 20

/** Reads a CSV file with a header line; blank lines are skipped and cells trimmed. */
export async function readCsvTable(path: string): Promise<CsvTable> {
  const records: string[][] = parse(await readFile(path, 'utf8'), { skip_empty_lines: true, trim: true, bom: true })
  const [columns, ...rows] = records
  if (columns === undefined || rows.length === 0) throw new Error(`${path}: a header line and at least one row are needed`)
  return { columns, rows }
}

/** The numeric rows of the named feature columns; a cell that is not a finite number is an error naming its line. */
export function numericColumns(table: CsvTable, names: readonly string[]): number[][] {
  const indexes = names.map((name) => {
    const index = table.columns.indexOf(name)
    if (index < 0) throw new Error(`the CSV has no column "${name}"`)
    return index
  })
  return table.rows.map((row, i) =>
    indexes.map((index, j) => {
      const cell = row[index] ?? ''
      const value = cell === '' ? Number.NaN : Number(cell)
      // Line numbers count the header as line 1.
      if (!Number.isFinite(value)) throw new Error(`line ${i + 2}, column "${names[j] ?? ''}": "${cell}" is not a number`)
      return value
    }),
  )
}

/** The feature columns of a table: every column but the target, each a valid feature name. */
function featureColumns(table: CsvTable, target: string): string[] {
  if (!table.columns.includes(target)) throw new Error(`the CSV has no target column "${target}" (columns: ${table.columns.join(', ')})`)
  const featureNames = table.columns.filter((column) => column !== target)
  if (featureNames.length === 0) throw new Error('the CSV has no feature columns besides the target')
  const badName = featureNames.find((column) => !FEATURE_NAME.test(column))
  if (badName !== undefined) throw new Error(`column "${badName}" is not a feature name (letters, digits, _ . -, not starting with a digit)`)
  return featureNames
}

/** A labelled classification data set from a table: every column but the target is a numeric feature; classes are the target's distinct values, sorted. */
export function labelledDataset(table: CsvTable, target: string, name: string): LabelledDataset {
  const featureNames = featureColumns(table, target)
  const targetIndex = table.columns.indexOf(target)
  const targets = table.rows.map((row, i) => {
    const cell = row[targetIndex] ?? ''
    if (cell === '') throw new Error(`line ${i + 2}: the target "${target}" is empty`)
    return cell
  })
  const classNames = [...new Set(targets)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  if (classNames.length < 2) throw new Error(`the target "${target}" has ${classNames.length} distinct value; a classifier needs at least 2`)
  // Many distinct values look like a regression target; classification stays the default, so say how to ask for regression.
  if (classNames.length > Math.max(MAX_CLASSES_FLOOR, table.rows.length / 2)) {
    throw new Error(
      `the target "${target}" has ${classNames.length} distinct values in ${table.rows.length} rows, too many classes for a classifier; for a numeric target use --task regression`,
    )
  }
  const classIndex = new Map(classNames.map((label, i) => [label, i]))
  return { name, featureNames, classNames, features: numericColumns(table, featureNames), labels: targets.map((label) => classIndex.get(label) ?? -1) }
}

/** A regression data set from a table: every column but the target is a numeric feature, and the target is a number on every row. */
export function regressionDataset(table: CsvTable, target: string, name: string): RegressionDataset {
  const featureNames = featureColumns(table, target)
  const targets = numericColumns(table, [target]).map((row) => row[0] ?? Number.NaN)
  if (new Set(targets).size < 2) throw new Error(`the target "${target}" has a single value; a regression needs at least 2`)
  return { name, featureNames, features: numericColumns(table, featureNames), targets }
}

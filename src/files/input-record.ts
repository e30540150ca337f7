/** One data row read from an input file, before it is scored. */
export interface InputRecord {
  /** 0-based position among the file's data rows (a CSV header is not a row). */
  row: number
  /** The row's `id` column or field, when the file has one. */
  id?: string | number
  /** A predict row (array of values) or a feature object, as the v1 predict body takes them. */
  features?: unknown
  /** Why the row could not be read; such a row is rejected without being scored. */
  error?: string
}

/** Spellings of a missing value in text formats; JSON's null is the same thing. */
const MISSING = new Set(['', 'NaN', 'nan', 'NA', 'null'])

/**
 * A CSV cell that is exactly a decimal number (`[+-]digits[.digits][e[+-]digits]`, no spaces
 * around it) as that number, the value Number() gives; undefined for anything else, which the
 * input validator then refuses with its usual message (strings are never numbers). Number()
 * alone would also take '', ' 1', 'Infinity' and '0x1f', and a regular expression before it
 * cost more than the rest of reading a cell: the cell is scanned once, and a cell of up to 15
 * or so digits is computed in the scan (Clinger's fast path: an integer below 2^53 and a power of
 * ten up to 10^22 are exact doubles, so one multiplication or division rounds correctly).
 */
export function plainNumber(text: string): number | undefined {
  const length = text.length
  let at = 0
  const sign = text.charCodeAt(0)
  if (sign === PLUS || sign === MINUS) at = 1
  let mantissa = 0
  const integerStart = at
  for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(++at)) mantissa = mantissa * 10 + (code - DIGIT_0)
  let digits = at - integerStart
  let fraction = 0
  if (text.charCodeAt(at) === DOT) {
    const fractionStart = ++at
    for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(++at)) mantissa = mantissa * 10 + (code - DIGIT_0)
    fraction = at - fractionStart
    digits += fraction
  }
  if (digits === 0) return undefined
  let exponent = 0
  if ((text.charCodeAt(at) | LOWER_CASE) === LETTER_E) {
    const exponentSign = text.charCodeAt(++at)
    if (exponentSign === PLUS || exponentSign === MINUS) at += 1
    const exponentStart = at
    for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(++at)) exponent = exponent * 10 + (code - DIGIT_0)
    if (at === exponentStart) return undefined
    if (exponentSign === MINUS) exponent = -exponent
  }
  if (at !== length) return undefined
  const power = exponent - fraction
  if (mantissa >= EXACT_INTEGERS || power < -MAX_EXACT_POWER || power > MAX_EXACT_POWER) return Number(text)
  const magnitude = power < 0 ? mantissa / (POWERS_OF_TEN[-power] ?? NaN) : mantissa * (POWERS_OF_TEN[power] ?? NaN)
  return sign === MINUS ? -magnitude : magnitude
}

const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
const PLUS = 0x2b
const MINUS = 0x2d
const DOT = 0x2e
const LETTER_E = 0x65
const LOWER_CASE = 0x20
const EXACT_INTEGERS = 2 ** 53
const MAX_EXACT_POWER = 22
/** 1e0 … 1e22, each read from its text, so each is the exact power. */
const POWERS_OF_TEN = Float64Array.from({ length: MAX_EXACT_POWER + 1 }, (_, power) => Number(`1e${power}`))

/** True for the code of an ASCII digit (false for NaN, past the end of a string). */
function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9
}

/** One CSV cell as a predict value: a number, null for a missing value, or the text itself. */
function cellValue(text: string): number | string | null {
  const trimmed = text.trim()
  if (MISSING.has(trimmed)) return null
  return plainNumber(trimmed) ?? text
}

/** How the lines of one CSV file become records. */
export interface CsvLayout {
  header: readonly string[]
  /** Index of the `id` column; -1 when there is none. */
  idColumn: number
  /**
   * True when the other columns are exactly the model's features in its order: each line is then
   * sent as a predict row (an array), which validates faster than a feature object and means the same.
   */
  asRows: boolean
}

/**
 * The layout of a CSV file from its header and, when known, the model's feature names; with
 * `ids` false an `id` column is one more feature (and so refused unless the model has one).
 */
export function csvLayout(header: readonly string[], featureNames?: readonly string[], ids = true): CsvLayout {
  const idColumn = ids ? header.indexOf('id') : -1
  const features = header.filter((_, column) => column !== idColumn)
  const asRows = featureNames !== undefined && features.length === featureNames.length && features.every((name, column) => name === featureNames[column])
  return { header, idColumn, asRows }
}

/**
 * A record from one CSV line: an `id` column is taken out, the other columns make a predict row
 * or a feature object (own properties only, so a header such as `__proto__` cannot reach a
 * prototype; the validator then refuses the unknown name).
 */
export function csvRecord(layout: CsvLayout, cells: readonly string[], row: number): InputRecord {
  const { header, idColumn } = layout
  if (cells.length !== header.length) {
    const id = idColumn === -1 ? undefined : cells[idColumn]
    return { row, ...(id === undefined ? {} : { id }), error: `expected ${header.length} columns, got ${cells.length}` }
  }
  if (layout.asRows) {
    const values = cells.filter((_, column) => column !== idColumn).map(cellValue)
    return idColumn === -1 ? { row, features: values } : { row, id: cells[idColumn] ?? '', features: values }
  }
  const entries: [string, unknown][] = []
  let id: string | undefined
  for (let column = 0; column < header.length; column += 1) {
    const text = cells[column] ?? ''
    if (column === idColumn) id = text
    else entries.push([header[column] ?? '', cellValue(text)])
  }
  return { row, ...(id === undefined ? {} : { id }), features: Object.fromEntries(entries) }
}

/** The record of a line that is not JSON. */
export function unreadableLine(row: number): InputRecord {
  // The parser's own message quotes the line; the row number says enough.
  return { row, error: 'line is not valid JSON' }
}

/**
 * A record from one parsed JSON Lines line: an array is a predict row; an object is a feature
 * object whose optional `id` (string or number) is taken out.
 */
export function jsonValueRecord(value: unknown, row: number): InputRecord {
  if (Array.isArray(value)) return { row, features: value }
  if (typeof value !== 'object' || value === null) return { row, error: 'expected a JSON array (a row) or object (features)' }
  const { id, ...features } = value as Record<string, unknown>
  if (id === undefined) return { row, features }
  if (typeof id !== 'string' && typeof id !== 'number') return { row, error: '"id" must be a string or a number' }
  return { row, id, features }
}

/**
 * A record from one Parquet row read as an object; bigint values become numbers. With
 * `featureNames` (the model's, when the file has every one of them and nothing else but `id`)
 * the row is sent as an array in the model's order, which validates faster and means the same.
 */
export function objectRecord(object: Readonly<Record<string, unknown>>, hasId: boolean, row: number, featureNames?: readonly string[]): InputRecord {
  const rawId = hasId ? object.id : undefined
  const id = rawId === undefined || rawId === null ? undefined : typeof rawId === 'number' ? rawId : String(rawId)
  const keyed = id === undefined ? { row } : { row, id }
  if (featureNames !== undefined) return { ...keyed, features: featureNames.map((name) => numberOf(object[name])) }
  const entries: [string, unknown][] = []
  for (const [name, value] of Object.entries(object)) if (!(hasId && name === 'id')) entries.push([name, numberOf(value)])
  return { ...keyed, features: Object.fromEntries(entries) }
}

function numberOf(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value
}

import { stringify } from 'csv-stringify/sync'
import { flatHeader, type FlatLayout, type ScoredBatch } from './scored-batch.js'

// csv-stringify quotes a text cell when it holds one of these; any other cell is written as it is.
const NEEDS_QUOTES = /[",\r\n]/

/** One text cell as csv-stringify writes it (the library quotes the cells that need it). */
function csvText(text: string): string {
  return NEEDS_QUOTES.test(text) ? stringify([[text]], { record_delimiter: 'unix' }).slice(0, -1) : text
}

/** A flat cell: text quoted as needed, numbers as String() prints them (csv-stringify does the same), nothing for no value. */
function csvCell(value: string | number | readonly number[] | undefined): string {
  if (value === undefined) return ''
  if (typeof value === 'number') return String(value)
  return csvText(typeof value === 'string' ? value : JSON.stringify(value))
}

/**
 * Texts of numbers: a model prints few distinct probabilities, and String() of a double is the
 * costly part of a line; remembered up to a bound.
 */
class NumberTexts {
  readonly #texts = new Map<number, string>()

  constructor(private readonly json: boolean) {}

  of(value: number): string {
    let text = this.#texts.get(value)
    if (text === undefined) {
      // JSON has no NaN or Infinity; JSON.stringify writes null for them.
      text = this.json && !Number.isFinite(value) ? 'null' : String(value)
      if (this.#texts.size >= 4096) this.#texts.clear()
      this.#texts.set(value, text)
    }
    return text
  }
}

/** Writes batches as CSV: a header line before the first, then one line per row. */
export class CsvText {
  readonly #numbers = new NumberTexts(false)
  readonly #predictions = new Map<string, string>()

  constructor(private readonly layout: FlatLayout) {}

  header(): string {
    return `${flatHeader(this.layout).map(csvText).join(',')}\n`
  }

  lines(batch: ScoredBatch): string {
    const { rows, ids, predictions, probabilities, classes } = batch
    const columns = this.layout.probabilityColumns.length
    let text = ''
    for (let index = 0; index < rows.length; index += 1) {
      text += this.layout.key === 'id' ? csvCell(ids?.[index]) : String(rows[index])
      text += `,${this.#prediction(predictions[index])}`
      for (let column = 0; column < columns; column += 1) {
        const value = column < classes ? probabilities?.[index * classes + column] : undefined
        text += value === undefined ? ',' : `,${this.#numbers.of(value)}`
      }
      text += '\n'
    }
    return text
  }

  #prediction(prediction: ScoredBatch['predictions'][number] | undefined): string {
    if (typeof prediction === 'number') return this.#numbers.of(prediction)
    if (typeof prediction !== 'string') return csvCell(prediction)
    let text = this.#predictions.get(prediction)
    if (text === undefined) {
      text = csvText(prediction)
      if (this.#predictions.size < 4096) this.#predictions.set(prediction, text)
    }
    return text
  }
}

/** Writes batches as JSON Lines: `{"row"|"id", "prediction", "probabilities"?}` per row, as JSON.stringify writes them. */
export class JsonLinesText {
  readonly #numbers = new NumberTexts(true)
  readonly #predictions = new Map<string, string>()

  lines(batch: ScoredBatch): string {
    const { rows, ids, predictions, probabilities, classes } = batch
    let text = ''
    for (let index = 0; index < rows.length; index += 1) {
      const id = ids?.[index]
      text += id === undefined ? `{"row":${rows[index] ?? 0}` : `{"id":${typeof id === 'number' ? this.#numbers.of(id) : JSON.stringify(id)}`
      text += `,"prediction":${this.#prediction(predictions[index])}`
      if (probabilities !== undefined) {
        text += ',"probabilities":['
        for (let column = 0; column < classes; column += 1) text += `${column === 0 ? '' : ','}${this.#numbers.of(probabilities[index * classes + column] ?? NaN)}`
        text += ']'
      }
      text += '}\n'
    }
    return text
  }

  #prediction(prediction: ScoredBatch['predictions'][number] | undefined): string {
    if (typeof prediction === 'number') return this.#numbers.of(prediction)
    if (typeof prediction !== 'string') return JSON.stringify(prediction ?? null)
    let text = this.#predictions.get(prediction)
    if (text === undefined) {
      text = JSON.stringify(prediction)
      if (this.#predictions.size < 4096) this.#predictions.set(prediction, text)
    }
    return text
  }
}

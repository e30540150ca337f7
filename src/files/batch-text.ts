import { stringify } from 'csv-stringify/sync'
import { flatHeader, type FlatLayout, type ScoredBatch } from './scored-batch.js'
import { NumberBytes, TextBytes, TextCache } from './text-bytes.js'

// csv-stringify quotes a text cell when it holds one of these; any other cell is written as it is.
const NEEDS_QUOTES = /[",\r\n]/

/** One text cell as csv-stringify writes it (the library quotes the cells that need it). */
function csvText(text: string): string {
  return NEEDS_QUOTES.test(text) ? stringify([[text]], { record_delimiter: 'unix' }).slice(0, -1) : text
}

const COMMA = 0x2c
const NEWLINE = 0x0a
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d
const ROW_KEY = Buffer.from('{"row":')
const ID_KEY = Buffer.from('{"id":')
const PREDICTION_KEY = Buffer.from(',"prediction":')
const PROBABILITIES_KEY = Buffer.from(',"probabilities":[')

/**
 * Writes batches as CSV: a header line before the first, then one line per row. A cell is text
 * quoted as needed, a number as String() prints it (csv-stringify does the same), or nothing for
 * no value.
 */
export class CsvText {
  readonly #out = new TextBytes()
  readonly #numbers = new NumberBytes(false)
  readonly #labels = new TextCache(csvText)

  constructor(private readonly layout: FlatLayout) {}

  header(): string {
    return `${flatHeader(this.layout).map(csvText).join(',')}\n`
  }

  lines(batch: ScoredBatch): Buffer {
    const { rows, ids, predictions, probabilities, classes } = batch
    const out = this.#out
    const columns = this.layout.probabilityColumns.length
    for (let index = 0; index < rows.length; index += 1) {
      if (this.layout.key === 'row') out.integer(rows[index] ?? 0)
      else this.#id(ids?.[index])
      out.byte(COMMA)
      this.#cell(predictions[index])
      for (let column = 0; column < columns; column += 1) {
        out.byte(COMMA)
        const value = column < classes ? probabilities?.[index * classes + column] : undefined
        if (value !== undefined) out.add(this.#numbers.of(value))
      }
      out.byte(NEWLINE)
    }
    return out.take()
  }

  /** An id is seldom seen twice: encoded as it comes, not remembered. */
  #id(id: string | number | undefined): void {
    if (typeof id === 'string') this.#out.text(csvText(id))
    else if (id !== undefined) this.#out.add(this.#numbers.of(id))
  }

  #cell(value: ScoredBatch['predictions'][number] | undefined): void {
    if (value === undefined) return
    if (typeof value === 'number') this.#out.add(this.#numbers.of(value))
    else if (typeof value === 'string') this.#out.add(this.#labels.of(value))
    else this.#out.text(csvText(JSON.stringify(value)))
  }
}

/** Writes batches as JSON Lines: `{"row"|"id", "prediction", "probabilities"?}` per row, as JSON.stringify writes them. */
export class JsonLinesText {
  readonly #out = new TextBytes()
  readonly #numbers = new NumberBytes(true)
  readonly #labels = new TextCache((text) => JSON.stringify(text))

  lines(batch: ScoredBatch): Buffer {
    const { rows, ids, predictions, probabilities, classes } = batch
    const out = this.#out
    for (let index = 0; index < rows.length; index += 1) {
      const id = ids?.[index]
      if (id === undefined) {
        out.add(ROW_KEY)
        out.integer(rows[index] ?? 0)
      } else {
        out.add(ID_KEY)
        if (typeof id === 'number') out.add(this.#numbers.of(id))
        else out.text(JSON.stringify(id))
      }
      out.add(PREDICTION_KEY)
      this.#prediction(predictions[index])
      if (probabilities !== undefined) {
        out.add(PROBABILITIES_KEY)
        for (let column = 0; column < classes; column += 1) {
          if (column > 0) out.byte(COMMA)
          out.add(this.#numbers.of(probabilities[index * classes + column] ?? NaN))
        }
        out.byte(CLOSE_BRACKET)
      }
      out.byte(CLOSE_BRACE)
      out.byte(NEWLINE)
    }
    return out.take()
  }

  #prediction(prediction: ScoredBatch['predictions'][number] | undefined): void {
    if (typeof prediction === 'number') this.#out.add(this.#numbers.of(prediction))
    else if (typeof prediction === 'string') this.#out.add(this.#labels.of(prediction))
    else this.#out.text(JSON.stringify(prediction ?? null))
  }
}

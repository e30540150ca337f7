import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { csvChunks } from '../../src/files/csv-reader.js'
import { chunkRecords, type InputChunk } from '../../src/files/input-chunk.js'
import { plainNumber } from '../../src/files/input-record.js'

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']

/** A text stream that hands out `text` a few characters at a time, so lines and quotes are cut between pieces. */
function pieces(text: string, size: number): Readable {
  const parts: string[] = []
  for (let at = 0; at < text.length; at += size) parts.push(text.slice(at, at + size))
  return Readable.from(parts, { objectMode: false, encoding: 'utf8' })
}

async function readAll(input: Readable, batchRows = 2): Promise<InputChunk[]> {
  const chunks: InputChunk[] = []
  for await (const chunk of csvChunks(input, FEATURES, batchRows)) chunks.push(chunk)
  return chunks
}

describe('csvChunks', () => {
  it('reads plain rows into numbers, with a byte order mark, CRLF line ends and blank lines', async () => {
    const text = `\uFEFF${FEATURES.join(',')}\r\n5.1,3.5,1.4,0.2\r\n\r\n6.3,3.3,6,2.5\r\n7,3.2,4.7,1.4\r\n`
    // The first piece holds the header's line break (the parser learns the line break from it); the others cut lines.
    const chunks = await readAll(pieces(text, 60))
    assert.deepEqual(
      chunks.map((chunk) => chunk.kind),
      ['plain', 'plain'],
    )
    const [first, second] = chunks
    assert.ok(first?.kind === 'plain' && second?.kind === 'plain')
    assert.deepEqual(Array.from(first.matrix.values), [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6, 2.5])
    assert.equal(second.firstRow, 2)
    assert.deepEqual(Array.from(second.matrix.values), [7, 3.2, 4.7, 1.4])
  })

  it('keeps quoted ids with commas, quotes and line breaks whole when a piece ends inside them', async () => {
    const ids = ['a,1', 'q"x', 'line\nbreak', 'plain']
    const lines = ids.map((id, index) => `"${id.replaceAll('"', '""')}",5.1,3.5,1.4,${index}`)
    const chunks = await readAll(pieces(`id,${FEATURES.join(',')}\n${lines.join('\n')}\n`, 3))
    const plain = chunks.filter((chunk) => chunk.kind === 'plain')
    assert.equal(plain.length, chunks.length)
    assert.deepEqual(
      plain.flatMap((chunk) => chunk.ids ?? []),
      ids,
    )
    assert.deepEqual(
      plain.flatMap((chunk) => Array.from(chunk.matrix.values).filter((_, index) => index % 4 === 3)),
      [0, 1, 2, 3],
    )
  })

  it('makes a line with the wrong cell count one rejected row and reads on', async () => {
    const text = `${FEATURES.join(',')}\n5.1,3.5,1.4\n5.1,3.5,1.4,0.2,9\n4.9,3,1.4,0.2\n`
    const records = (await readAll(pieces(text, 64), 8)).flatMap(chunkRecords)
    assert.deepEqual(records, [
      { row: 0, error: 'expected 4 columns, got 3' },
      { row: 1, error: 'expected 4 columns, got 5' },
      { row: 2, features: [4.9, 3, 1.4, 0.2] },
    ])
  })

  it('sends a line that is not all plain numbers through the predict body, missing values as null', async () => {
    const text = `${FEATURES.join(',')}\n5.1,NA,1.4,0.2\n5.1, 3.5,x,0x1f\n`
    const records = (await readAll(pieces(text, 64), 8)).flatMap(chunkRecords)
    assert.deepEqual(records, [
      { row: 0, features: [5.1, null, 1.4, 0.2] },
      { row: 1, features: [5.1, 3.5, 'x', '0x1f'] },
    ])
  })

  it("rejects a line papaparse cannot read (a quote left open), with the parser's reason", async () => {
    const text = `${FEATURES.join(',')}\n4.9,3,1.4,0.2\n"5.1,3.5,1.4,0.2\n`
    const records = (await readAll(pieces(text, 64), 8)).flatMap(chunkRecords)
    assert.deepEqual(records[0], { row: 0, features: [4.9, 3, 1.4, 0.2] })
    assert.equal(records[1]?.row, 1)
    assert.match(records[1]?.error ?? '', /^not valid CSV: .*quoted field unterminated/i)
  })

  it('names the right row when a malformed quote comes after blank lines', async () => {
    // The stray quote in `"5"x"` is reported, and the field closes at the quote before the comma.
    const text = `${FEATURES.join(',')}\n4.9,3,1.4,0.2\n\n\n"5"x",3.5,1.4,0.2\n6.3,3.3,6,2.5\n`
    const records = (await readAll(pieces(text, 1024), 8)).flatMap(chunkRecords)
    assert.deepEqual(records, [
      { row: 0, features: [4.9, 3, 1.4, 0.2] },
      { row: 1, error: 'not valid CSV: Trailing quote on quoted field is malformed' },
      { row: 2, features: [6.3, 3.3, 6, 2.5] },
    ])
  })

  it('closes the file stream when the reading stops early, and pauses it while pieces are unread', async () => {
    const line = '5.1,3.5,1.4,0.2\n'
    const input = Readable.from(
      (function* () {
        yield `${FEATURES.join(',')}\n`
        for (let piece = 0; piece < 10_000; piece += 1) yield line.repeat(100)
      })(),
      { objectMode: false, encoding: 'utf8' },
    )
    let produced = 0
    input.on('data', () => (produced += 1))
    for await (const chunk of csvChunks(input, FEATURES, 100)) {
      assert.equal(chunk.kind, 'plain')
      break
    }
    assert.ok(produced < 100, `${produced} pieces were read for one chunk of 100 rows`)
    assert.equal(input.destroyed, true)
  })
})

describe('plainNumber', () => {
  it('takes exactly the decimal numbers a CSV writer prints', () => {
    for (const [text, value] of [
      ['5.1', 5.1],
      ['-0.5', -0.5],
      ['+.5', 0.5],
      ['5.', 5],
      ['1e-3', 0.001],
      ['2E+2', 200],
      ['007', 7],
    ] as const)
      assert.equal(plainNumber(text), value, text)
  })

  it('refuses what Number() would also read: blanks, spaces, Infinity, hexadecimal, binary, octal', () => {
    for (const text of ['', ' ', ' 1', '1 ', '\t1', 'Infinity', '-Infinity', 'NaN', '0x1f', '0X10', '0b1', '0o7', '1_000', '.', '1e', '--1', '1,5'])
      assert.equal(plainNumber(text), undefined, JSON.stringify(text))
  })
})

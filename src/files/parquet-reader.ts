import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData } from 'hyparquet'
import { ChunkBuilder, type InputChunk } from './input-chunk.js'
import { objectRecord } from './input-record.js'
import type { ReadProgress, RecordReader } from './readers.js'

type Column = ArrayLike<unknown>

/**
 * Parquet, read one row group at a time (memory follows the file's row-group size) as columns.
 * When the file's columns are the model's features (and maybe `id`), each row's numbers go from
 * the columns straight into the chunk; a row with a null or a value that is not a number, and
 * every row of any other file, becomes a record from the row's object as before.
 */
export async function openParquetReader(path: string, featureNames: readonly string[] | undefined, batchRows: number): Promise<RecordReader> {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  // The root element is the schema itself; its children are the columns.
  const names = metadata.schema.slice(1).map((element) => element.name)
  const hasId = names.includes('id')
  const features = names.filter((name) => name !== 'id')
  const asRows = featureNames !== undefined && features.length === featureNames.length && featureNames.every((name) => features.includes(name))
  const progress: ReadProgress = { done: 0, total: Number(metadata.num_rows) }
  async function* chunks(): AsyncIterable<InputChunk> {
    const builder = new ChunkBuilder(featureNames?.length ?? 0, batchRows)
    let rowStart = 0
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows)
      const columns = await readRowGroup(file, metadata, names, rowStart, rowEnd)
      const plainColumns = asRows ? featureNames.map((name) => columns.get(name) ?? []) : undefined
      const ids = hasId ? columns.get('id') : undefined
      for (let index = 0; index < rowEnd - rowStart; index += 1) {
        const row = rowStart + index
        if (plainColumns === undefined || !addPlainRow(builder, plainColumns, index, row, ids?.[index])) {
          builder.addRecord(objectRecord(rowObject(columns, index), hasId, row, asRows ? featureNames : undefined))
        }
        if (builder.full) yield builder.take() as InputChunk
      }
      progress.done = rowEnd
      rowStart = rowEnd
    }
    const last = builder.take()
    if (last !== undefined) yield last
  }
  return { chunks: chunks(), progress: () => progress }
}

/**
 * The columns of rows rowStart…rowEnd (one row group). A column that comes as one chunk of the
 * group's rows is kept as hyparquet decoded it; one in several chunks is put together.
 */
async function readRowGroup(file: AsyncBuffer, metadata: FileMetaData, names: readonly string[], rowStart: number, rowEnd: number): Promise<Map<string, Column>> {
  const count = rowEnd - rowStart
  const columns = new Map<string, Column>()
  const pieces = new Map<string, unknown[]>()
  await parquetRead({
    file,
    metadata,
    rowStart,
    rowEnd,
    onChunk: ({ columnName, columnData, rowStart: from }) => {
      if (from === rowStart && columnData.length === count && !columns.has(columnName)) columns.set(columnName, columnData)
      else placeColumn(pieces, columns, columnName, columnData, from - rowStart, count)
    },
  })
  // In the file's column order, which a row's object keeps.
  return new Map(names.map((name) => [name, columns.get(name) ?? new Array<unknown>(count)]))
}

function placeColumn(pieces: Map<string, unknown[]>, columns: Map<string, Column>, name: string, data: Column, at: number, count: number): void {
  let column = pieces.get(name)
  if (column === undefined) {
    column = Array.from(columns.get(name) ?? new Array<unknown>(count))
    pieces.set(name, column)
    columns.set(name, column)
  }
  for (let index = 0; index < data.length && at + index < count; index += 1) if (at + index >= 0) column[at + index] = data[index]
}

/** Adds row `index` of the feature columns when each value is a number (bigint ones converted); false otherwise. */
function addPlainRow(builder: ChunkBuilder, columns: readonly Column[], index: number, row: number, rawId: unknown): boolean {
  const { values, offset } = builder
  for (let column = 0; column < columns.length; column += 1) {
    const value = columns[column]?.[index]
    if (typeof value === 'number') values[offset + column] = value
    else if (typeof value === 'bigint') values[offset + column] = Number(value)
    else return false
  }
  builder.addPlain(row, rawId === undefined || rawId === null ? undefined : typeof rawId === 'number' ? rawId : String(rawId))
  return true
}

function rowObject(columns: ReadonlyMap<string, Column>, index: number): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const [name, values] of columns) object[name] = values[index] ?? null
  return object
}

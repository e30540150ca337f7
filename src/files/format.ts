import { extname } from 'node:path'

/** The file formats `portcullis score` reads and writes. */
export type FileFormat = 'csv' | 'jsonl' | 'parquet'

const EXTENSIONS: Readonly<Record<string, FileFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
}

/** True for a name of a supported format. */
export function isFileFormat(name: string): name is FileFormat {
  return name === 'csv' || name === 'jsonl' || name === 'parquet'
}

/** The format named explicitly, else the one the file's extension says; undefined when neither tells. */
export function formatOf(path: string, explicit?: string): FileFormat | undefined {
  if (explicit !== undefined) return isFileFormat(explicit) ? explicit : undefined
  return EXTENSIONS[extname(path).toLowerCase()]
}

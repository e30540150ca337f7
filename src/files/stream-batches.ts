import type { Readable } from 'node:stream'

/**
 * The items of an object-mode stream, as many at a time as it has buffered: one await per
 * buffer instead of one per item, which is what a row-per-item parser costs most in a big file.
 */
export async function* streamBatches<T>(stream: Readable): AsyncIterable<T[]> {
  for (;;) {
    const items: T[] = []
    for (let item: unknown = stream.read(); item !== null; item = stream.read()) items.push(item as T)
    if (items.length > 0) {
      yield items
      continue
    }
    if (stream.errored !== null) throw stream.errored
    if (stream.readableEnded) return
    await nextEvent(stream)
  }
}

/** Resolves when the stream has more to read or has ended; rejects on its error. */
function nextEvent(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      stream.off('readable', onReadable)
      stream.off('end', onReadable)
      stream.off('error', settle)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onReadable = (): void => settle()
    stream.on('readable', onReadable)
    stream.on('end', onReadable)
    stream.on('error', settle)
  })
}

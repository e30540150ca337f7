import { request } from 'node:http'

/** Options of send. */
export interface SendOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** The client's source address on the loopback network, e.g. 127.0.0.2: a second client machine. */
  localAddress?: string
}

/** One HTTP request over node:http (which can choose its source address), answered as a fetch Response. */
export function send(url: string, options: SendOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
        }
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }))
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

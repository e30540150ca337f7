import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ErrorCode } from '../errors/api-error.js'

/** What node's HTTP parser refused, answered as node would, in the contract's envelope. */
interface ClientErrorAnswer {
  status: number
  reason: string
  code: ErrorCode
  message: string
}

const TIMEOUT: ClientErrorAnswer = { status: 408, reason: 'Request Timeout', code: 'invalid_input', message: 'the request was not received in time' }
const HEADERS_TOO_LARGE: ClientErrorAnswer = { status: 431, reason: 'Request Header Fields Too Large', code: 'invalid_input', message: 'the request headers are too large' }
const TOO_LARGE: ClientErrorAnswer = { status: 413, reason: 'Payload Too Large', code: 'payload_too_large', message: 'the request is too large' }
const BAD_REQUEST: ClientErrorAnswer = { status: 400, reason: 'Bad Request', code: 'invalid_input', message: 'the request is not valid HTTP' }

// The error codes node's own clientError answer maps to 408, 431 and 413; everything else is 400.
function answerFor(code: string | undefined): ClientErrorAnswer {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return TIMEOUT
  if (code === 'HPE_HEADER_OVERFLOW') return HEADERS_TOO_LARGE
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return TOO_LARGE
  return BAD_REQUEST
}

/**
 * Answers what node refuses before the app sees a request (malformed request line or headers,
 * headers too large, a request not received in time) with the headers every response carries: the
 * security headers, a fresh X-Request-ID, and the v1 error envelope; then closes the connection.
 * Node's own answers carry none of these.
 */
export function answerClientErrors(server: Server, headers: ReadonlyArray<readonly [string, string]>): void {
  const fixed = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that reset, or a socket that cannot be written any more, has no one left to answer.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const answer = answerFor(err.code)
    const requestId = randomUUID()
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message, details: [] }, request_id: requestId })
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\n${fixed}X-Request-ID: ${requestId}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    )
  })
}

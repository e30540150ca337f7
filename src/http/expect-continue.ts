import type { IncomingMessage, ServerResponse } from 'node:http'

// Requests whose `100 Continue` the server held back (server.ts hands them to the app unanswered).
const awaitingContinue = new WeakSet<IncomingMessage>()

/**
 * Marks a request that sent `Expect: 100-continue` as not yet told to send its body. Node would
 * answer `100 Continue` before the app saw the headers; holding it back until the body is wanted
 * means a refused client (401, 429, 503) never sends its body at all (RFC 9110 §10.1.1).
 */
export function deferContinue(request: IncomingMessage): void {
  awaitingContinue.add(request)
}

/** Tells a client that is waiting for it to send its body now; does nothing for any other request. */
export function sendContinue(request: IncomingMessage, response: ServerResponse): void {
  if (!awaitingContinue.delete(request)) return
  response.writeContinue()
}

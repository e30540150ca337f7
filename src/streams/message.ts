import { randomUUID } from 'node:crypto'
import type { StreamConfig } from '../config/schema.js'
import { isPlainObject } from '../config/interpolate.js'
import { ApiError } from '../errors/api-error.js'
import { inspectParsed, measureDepth, type JsonLimits } from '../http/json-guard.js'
import type { Prediction } from '../predict/prediction.js'

/** A message that passed the stream's own checks, ready for the row door. */
export interface StreamRequest {
  id: string
  model: string
  version?: string
  /** The v1 predict body. */
  body: { inputs: unknown }
  token?: string
  /** The message as read, token blanked: what a dead letter carries. */
  original: Record<string, unknown>
}

/** What reading a message gives: a request, or the error that sends it to the dead letter. */
export type ReadResult = { ok: true; request: StreamRequest } | { ok: false; id: string; error: ApiError; original: unknown }

const KNOWN_KEYS = new Set(['id', 'inputs', 'model', 'version', 'token', 'model_name', 'input'])
const MAX_ID_LENGTH = 128
// A compact JWS anywhere in an unparsed message: blanked before the message goes to the dead letter.
const JWS_PATTERN = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g
const REDACTED = '[redacted]'

/**
 * Reads one message: size, JSON limits, shape. Accepts `{id?, inputs, model?, version?, token?}`
 * and the seed shape `{id?, model_name, input}` (`input` one row or a list of rows).
 */
export function readMessage(payload: Uint8Array, stream: StreamConfig, limits: JsonLimits): ReadResult {
  const text = () => Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')
  if (payload.byteLength > stream.maxMessageBytes) {
    const error = new ApiError('payload_too_large', `message is ${payload.byteLength} bytes; the limit is ${stream.maxMessageBytes}`, {
      details: [{ size: payload.byteLength, limit: stream.maxMessageBytes }],
    })
    const truncated = Buffer.from(payload.buffer, payload.byteOffset, stream.maxMessageBytes).toString('utf8')
    return { ok: false, id: randomUUID(), error, original: redactText(truncated) }
  }
  const depthFault = measureDepth(payload, limits.maxDepth)
  if (depthFault !== undefined) return { ok: false, id: randomUUID(), error: new ApiError('invalid_input', depthFault.message), original: redactText(text()) }
  let parsed: unknown
  try {
    parsed = JSON.parse(text())
  } catch {
    // The parser's own message quotes the input; a fixed one says enough.
    return { ok: false, id: randomUUID(), error: new ApiError('invalid_input', 'message is not valid JSON'), original: redactText(text()) }
  }
  if (!isPlainObject(parsed)) return { ok: false, id: randomUUID(), error: new ApiError('invalid_input', 'message must be a JSON object'), original: redactText(text()) }
  const id = readId(parsed.id)
  try {
    const fault = inspectParsed(parsed, limits)
    if (fault !== undefined) throw new ApiError('invalid_input', fault.message)
    return { ok: true, request: toRequest(parsed, id, stream) }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    return { ok: false, id: typeof id === 'string' ? id : randomUUID(), error: err, original: redactObject(parsed) }
  }
}

/** The output message of a scored request. */
export function answerMessage(id: string, prediction: Prediction, requestId: string, scoredAt: Date): string {
  return JSON.stringify({
    id,
    model: prediction.model,
    version: prediction.version,
    predictions: prediction.predictions,
    probabilities: prediction.probabilities,
    request_id: requestId,
    scored_at: scoredAt.toISOString(),
  })
}

/** The dead-letter message: the v1 error envelope beside the original message (tokens blanked). */
export function deadLetterMessage(id: string, error: ApiError, original: unknown, requestId: string): string {
  return JSON.stringify({ id, error: { code: error.code, message: error.message, details: error.details }, message: original, request_id: requestId })
}

/** A message's original content for the dead letter, from an already parsed message. */
function redactObject(message: Record<string, unknown>): Record<string, unknown> {
  return 'token' in message ? { ...message, token: REDACTED } : message
}

function redactText(text: string): string {
  return text.replace(JWS_PATTERN, REDACTED)
}

/** The message's id: a string or number as given, a new one when absent, an ApiError (after the fact) when unusable. */
function readId(value: unknown): string | ApiError {
  if (value === undefined) return randomUUID()
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH) return value
  return new ApiError('invalid_input', `"id" must be a string of 1 to ${MAX_ID_LENGTH} characters or a number`)
}

function toRequest(message: Record<string, unknown>, id: string | ApiError, stream: StreamConfig): StreamRequest {
  if (id instanceof ApiError) throw id
  const unknown = Object.keys(message).filter((key) => !KNOWN_KEYS.has(key))
  if (unknown.length > 0) throw new ApiError('invalid_input', `unknown key "${unknown[0]}"`, { details: unknown.map((key) => ({ key })) })
  if ('model' in message && 'model_name' in message) throw new ApiError('invalid_input', 'give "model" or "model_name", not both')
  const model = optionalString(message, 'model') ?? optionalString(message, 'model_name')
  const version = optionalString(message, 'version')
  if (!stream.allowModelChoice && ((model !== undefined && model !== stream.model) || (version !== undefined && version !== stream.version))) {
    throw new ApiError('invalid_input', `this stream scores model "${stream.model}"${stream.version === undefined ? '' : ` version "${stream.version}"`} and does not take another`)
  }
  const token = optionalString(message, 'token')
  if (stream.requireToken && token === undefined) throw new ApiError('invalid_token', 'this stream requires a "token" in each message')
  return { id, model: model ?? stream.model, version: version ?? stream.version, body: { inputs: rowsOf(message) }, token, original: redactObject(message) }
}

function rowsOf(message: Record<string, unknown>): unknown {
  if ('inputs' in message && 'input' in message) throw new ApiError('invalid_input', 'give "inputs" or "input", not both')
  if ('inputs' in message) return message.inputs
  if (!('input' in message)) throw new ApiError('invalid_input', 'the message needs "inputs" (or "input")')
  const input = message.input
  // Seed style: one row (numbers, or a feature object), or a list of rows.
  const oneRow = isPlainObject(input) || (Array.isArray(input) && input.length > 0 && !input.some((value) => Array.isArray(value) || isPlainObject(value)))
  return oneRow ? [input] : input
}

function optionalString(message: Record<string, unknown>, key: string): string | undefined {
  const value = message[key]
  if (value === undefined) return undefined
  if (typeof value === 'number' && key === 'version' && Number.isInteger(value)) return String(value)
  if (typeof value !== 'string' || value === '') throw new ApiError('invalid_input', `"${key}" must be a non-empty string`)
  return value
}

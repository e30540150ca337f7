import { randomUUID } from 'node:crypto'
import type { StreamConfig } from '../config/schema.js'
import { ApiError, isApiError } from '../errors/api-error.js'
import type { JsonLimits } from '../http/json-guard.js'
import type { Logger } from '../observability/logger.js'
import type { RowDoor } from '../predict/row-door.js'
import { KeyUnavailableError, TokenError } from '../security/jwt.js'
import type { Principal } from '../security/principal.js'
import type { TokenAuthenticator } from '../security/token-authenticator.js'
import { reconnectDelayMs, sleep } from './backoff.js'
import type { BrokerClient, BrokerState, InboundMessage } from './broker.js'
import { answerMessage, deadLetterMessage, readMessage, type StreamRequest } from './message.js'
import { openBroker } from './open-broker.js'
import type { StreamStatus } from './status.js'
import { zeroStream, type StreamMetrics } from './stream-metrics.js'

/** What a stream needs from the gateway. */
export interface StreamDeps {
  rowDoor: RowDoor
  /** Verifies message tokens; undefined when authentication is off (messages act as the identity). */
  authenticator: TokenAuthenticator | undefined
  metrics: StreamMetrics
  logger: Logger
  limits: JsonLimits
}

/** An answer ready to publish. */
interface Answer {
  destination: string
  payload: Buffer
  deadLetterCode?: string
}

// A failure that may pass by itself: the message is retried, never dead-lettered.
const TRANSIENT_CODES = new Set(['unavailable', 'rate_limited'])

/**
 * One configured stream: takes messages from its broker, scores them through the row door, and
 * publishes each answer (or dead letter) before the message is acknowledged (at least once).
 */
export class StreamRunner {
  readonly #broker: BrokerClient
  readonly #stopping = new AbortController()
  readonly #identity: Principal
  #status: StreamStatus
  #started: Promise<void> | undefined
  /** Setup finished: from now on a connection that is up means messages are being taken. */
  #taking = false

  constructor(
    private readonly stream: StreamConfig,
    private readonly deps: StreamDeps,
  ) {
    // The stream's own identity never expires: it is configuration, not a token.
    this.#identity = { subject: stream.identity.sub, roles: stream.identity.roles, expiresAt: Number.POSITIVE_INFINITY }
    this.#status = { name: stream.name, broker: stream.broker.kind, state: 'connecting', since: new Date().toISOString(), holdsReadiness: stream.holdsReadiness }
    zeroStream(deps.metrics, stream.name)
    this.#broker = openBroker(
      stream,
      (state, reason) => this.#changeState(state, reason),
      () => this.#sessionLost(),
    )
  }

  get status(): StreamStatus {
    return this.#status
  }

  /** Starts taking messages in the background, retrying setup with backoff until it works or stop() is called. */
  start(): void {
    this.#started ??= this.#startWithRetries()
  }

  /** Stops taking, lets in-flight messages settle for up to `graceMs`, then closes the broker connections. */
  async stop(graceMs: number): Promise<void> {
    const stopped = this.#broker.stopTaking()
    await Promise.race([stopped, sleep(graceMs)])
    // Past the grace, answers still waiting on the broker are given up: those messages stay unacknowledged.
    this.#stopping.abort()
    await stopped
    // A setup still waiting for its broker is not waited for: close() ends it.
    await Promise.race([this.#started, sleep(0)])
    await this.#broker.close()
  }

  async #startWithRetries(): Promise<void> {
    for (let attempt = 1; !this.#stopping.signal.aborted; attempt += 1) {
      try {
        await this.#broker.start((message) => this.#handle(message))
        this.#taking = true
        this.#changeState('up')
        return
      } catch (err) {
        const reason = `setup failed: ${err instanceof Error ? err.message : String(err)}`
        this.#changeState('down', reason)
        await sleep(reconnectDelayMs(attempt), this.#stopping.signal)
      }
    }
  }

  async #handle(message: InboundMessage): Promise<boolean> {
    const { metrics } = this.deps
    const labels = { stream: this.stream.name }
    const endLatency = metrics.latency.labels(labels).startTimer()
    metrics.messagesIn.labels(labels).inc()
    if (message.redelivered) metrics.redelivered.labels(labels).inc()
    metrics.inFlight.inc(labels)
    try {
      const answer = await this.#answer(message.payload)
      if (answer === undefined || !(await this.#publish(answer))) return false
      if (answer.deadLetterCode === undefined) metrics.scored.labels(labels).inc()
      else metrics.deadLettered.labels({ stream: this.stream.name, code: answer.deadLetterCode }).inc()
      endLatency()
      return true
    } finally {
      metrics.inFlight.dec(labels)
    }
  }

  /** The answer to publish, or undefined when the stream stopped while a transient failure lasted. */
  async #answer(payload: Uint8Array): Promise<Answer | undefined> {
    const read = readMessage(payload, this.stream, this.deps.limits)
    if (!read.ok) return this.#deadLetter(read.id, read.error, read.original)
    const { request } = read
    for (let attempt = 1; ; attempt += 1) {
      try {
        const prediction = await this.deps.rowDoor.score({
          principal: await this.#principal(request),
          model: request.model,
          version: request.version,
          body: request.body,
          door: this.stream.broker.kind,
        })
        return { destination: this.stream.output, payload: Buffer.from(answerMessage(request.id, prediction, randomUUID(), new Date())) }
      } catch (err) {
        const error = toApiError(err, this.deps.logger, this.stream.name)
        if (!TRANSIENT_CODES.has(error.code)) return this.#deadLetter(request.id, error, request.original)
        if (this.#stopping.signal.aborted) return undefined
        await sleep(reconnectDelayMs(attempt), this.#stopping.signal)
      }
    }
  }

  async #principal(request: StreamRequest): Promise<Principal | undefined> {
    if (request.token === undefined) return this.#identity
    // With authentication off, HTTP ignores tokens too: every message acts as the stream's identity.
    if (this.deps.authenticator === undefined) return this.#identity
    return this.deps.authenticator.verify(request.token)
  }

  #deadLetter(id: string, error: ApiError, original: unknown): Answer {
    return { destination: this.stream.deadLetter, payload: Buffer.from(deadLetterMessage(id, error, original, randomUUID())), deadLetterCode: error.code }
  }

  /** Publishes until the broker confirms; false when the stream stopped first. */
  async #publish(answer: Answer): Promise<boolean> {
    for (let attempt = 1; !this.#stopping.signal.aborted; attempt += 1) {
      try {
        await this.#broker.publish(answer.destination, answer.payload)
        return true
      } catch (err) {
        this.deps.logger.debug('stream publish failed; retrying', { stream: this.stream.name, reason: err instanceof Error ? err.message : String(err) })
        await sleep(reconnectDelayMs(attempt), this.#stopping.signal)
      }
    }
    return false
  }

  /** The broker came back without the input session: one warning and a count, since messages it held are gone. */
  #sessionLost(): void {
    this.deps.metrics.sessionsLost.inc({ stream: this.stream.name })
    this.deps.logger.warn('stream broker lost the input session; messages it held for the stream are gone (is its persistence on?)', {
      stream: this.stream.name,
      broker: this.stream.broker.kind,
    })
  }

  /** One log line per change of state. */
  #changeState(state: BrokerState, reason?: string): void {
    const before = this.#status
    // Connected is not yet up: the input (stream, consumer, subscription) may still be in setup.
    if (state === 'up' && !this.#taking) return
    if (before.state === state && before.reason === reason) return
    const { name, broker, holdsReadiness } = before
    this.#status = { name, broker, holdsReadiness, state, since: new Date().toISOString(), ...(reason === undefined ? {} : { reason }) }
    this.deps.metrics.up.set({ stream: this.stream.name }, state === 'up' ? 1 : 0)
    const fields = { stream: this.stream.name, broker: this.stream.broker.kind, state, ...(reason === undefined ? {} : { reason }) }
    if (state === 'down') this.deps.logger.warn('stream broker down', fields)
    else this.deps.logger.info(`stream broker ${state}`, fields)
  }
}

/** A scoring failure as the error the dead letter carries; anything unexpected is logged and becomes `internal`. */
function toApiError(err: unknown, logger: Logger, stream: string): ApiError {
  if (isApiError(err)) return err
  if (err instanceof TokenError) return new ApiError('invalid_token', err.message, { cause: err })
  if (err instanceof KeyUnavailableError) return new ApiError('unavailable', 'authentication is temporarily unavailable', { cause: err })
  logger.error('stream message failed', { stream, error: err instanceof Error ? err.message : String(err) })
  return new ApiError('internal', 'the message could not be scored')
}

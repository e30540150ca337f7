import { connect, type NatsConnection } from '@nats-io/transport-node'
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream'
import type { StreamConfig } from '../config/schema.js'
import { reconnectDelayMs } from './backoff.js'
import type { BrokerClient, BrokerOptions, MessageHandler } from './broker.js'
import { brokerCredentials, brokerTls } from './credentials.js'
import { Slots } from './slots.js'

// A message unacknowledged this long is delivered again (the gateway died, or is stuck).
const ACK_WAIT_NS = 30_000_000_000

/**
 * NATS JetStream: the input subject's stream (created when missing), a durable pull consumer
 * with explicit acks, and output and dead letter published with a publish ack (into a stream of
 * their own, created when no stream holds them). Messages settle in any order, up to maxInFlight
 * at once (the consumer's max_ack_pending matches).
 */
export class NatsBroker implements BrokerClient {
  #connection: Promise<NatsConnection> | undefined
  #nc: NatsConnection | undefined
  #js: JetStreamClient | undefined
  #messages: ConsumerMessages | undefined
  #taking: Promise<void> | undefined
  #closed = false
  readonly #slots: Slots

  constructor(
    private readonly stream: StreamConfig,
    private readonly options: BrokerOptions,
  ) {
    this.#slots = new Slots(options.maxInFlight)
  }

  async start(handler: MessageHandler): Promise<void> {
    const nc = await this.#connect()
    const jsm = await jetstreamManager(nc)
    const names = this.#names()
    await ensureStream(jsm, names.stream, [this.options.input])
    await ensureStream(jsm, names.outputStream, [this.options.output, this.options.deadLetter])
    await ensureConsumer(jsm, names.stream, names.durable, this.options.input, this.options.maxInFlight)
    this.#js = jetstream(nc)
    const consumer = await this.#js.consumers.get(names.stream, names.durable)
    this.#messages = await consumer.consume({ max_messages: this.options.maxInFlight })
    this.#taking = this.#take(this.#messages, handler)
  }

  async publish(destination: string, payload: Uint8Array): Promise<void> {
    if (this.#js === undefined) throw new Error('the stream has not started')
    await this.#js.publish(destination, payload)
  }

  async stopTaking(): Promise<void> {
    await this.#messages?.close()
    await this.#taking
    await this.#slots.idle()
  }

  async close(): Promise<void> {
    this.#closed = true
    // A connection still waiting for its first server is closed by #connect when it arrives.
    await this.#nc?.close()
  }

  async #take(messages: ConsumerMessages, handler: MessageHandler): Promise<void> {
    for await (const message of messages) {
      await this.#slots.acquire()
      void this.#settle(message, handler)
    }
  }

  async #settle(message: JsMsg, handler: MessageHandler): Promise<void> {
    try {
      const ack = await handler({ payload: message.data, redelivered: message.info.deliveryCount > 1 })
      // nak: a message this gateway gave up on (it is stopping) goes to another replica at once.
      if (ack) message.ack()
      else message.nak()
    } finally {
      this.#slots.release()
    }
  }

  #names(): { stream: string; outputStream: string; durable: string } {
    const base = `PORTCULLIS_${this.stream.name.toUpperCase().replace(/-/g, '_')}`
    const { broker } = this.stream
    return { stream: broker.stream ?? base, outputStream: broker.outputStream ?? `${base}_OUT`, durable: broker.durable ?? `portcullis-${this.stream.name}` }
  }

  #connect(): Promise<NatsConnection> {
    const { username, password } = brokerCredentials(this.stream)
    const tls = brokerTls(this.stream)
    let attempts = 0
    this.#connection ??= connect({
      servers: this.stream.broker.url,
      name: `portcullis-${this.stream.name}`,
      user: username,
      pass: password,
      ...(tls === undefined ? {} : { tls: { ca: tls.ca?.toString('utf8'), cert: tls.cert?.toString('utf8'), key: tls.key?.toString('utf8') } }),
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => reconnectDelayMs((attempts += 1)),
    }).then(async (nc) => {
      if (this.#closed) {
        await nc.close()
        throw new Error('the stream was closed')
      }
      this.#nc = nc
      this.options.onState('up')
      void this.#watch(nc, () => (attempts = 0))
      return nc
    })
    return this.#connection
  }

  /** One state report per disconnect and reconnect, for as long as the connection lives. */
  async #watch(nc: NatsConnection, reconnected: () => void): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.options.onState('down', 'connection to the NATS server lost')
      else if (status.type === 'reconnect') {
        reconnected()
        this.options.onState('up')
      }
    }
  }
}

async function ensureStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
  const missing = []
  for (const subject of subjects) {
    // find() throws when no stream holds the subject.
    const holder = await jsm.streams.find(subject).catch(() => undefined)
    if (holder === undefined) missing.push(subject)
  }
  if (missing.length === 0) return
  const existing = await jsm.streams.info(name).catch(() => undefined)
  if (existing === undefined) await jsm.streams.add({ name, subjects: missing })
  else await jsm.streams.update(name, { ...existing.config, subjects: [...(existing.config.subjects ?? []), ...missing] })
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, durable: string, subject: string, maxInFlight: number): Promise<void> {
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subject,
    max_ack_pending: maxInFlight,
    ack_wait: ACK_WAIT_NS,
  }
  const existing = await jsm.consumers.info(stream, durable).catch(() => undefined)
  if (existing === undefined) await jsm.consumers.add(stream, config)
  else if (existing.config.max_ack_pending !== maxInFlight) await jsm.consumers.update(stream, durable, { max_ack_pending: maxInFlight })
}

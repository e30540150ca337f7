import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import type { StreamConfig } from '../config/schema.js'
import { reconnectDelayMs } from './backoff.js'
import type { BrokerClient, BrokerOptions, BrokerState, MessageHandler } from './broker.js'
import { brokerCredentials, brokerTls } from './credentials.js'

// A week: the broker keeps the input session, and what it queued, across a gateway restart.
const SESSION_EXPIRY_SECONDS = 7 * 24 * 3600

/**
 * MQTT through mqtt.js, with two connections: the input in a persistent session (fixed client
 * id, clean start off, QoS 1) and the output in its own session, because mqtt.js handles one
 * incoming packet at a time: an output's PUBACK arriving on the input connection would wait
 * behind the message it confirms. mqtt.js sends a message's PUBACK when handleMessage calls back,
 * which is after the answer is confirmed; the broker then sends the next (MQTT 3.1.1 §4.6 keeps
 * QoS 1 acknowledgements in order), so an MQTT stream settles its messages one at a time per
 * connection, and replicas scale it out through a shared subscription (`shareGroup`).
 */
export class MqttBroker implements BrokerClient {
  #input: MqttClient | undefined
  #output: MqttClient | undefined
  readonly #states = new Map<string, BrokerState>()
  #taking = false
  #settling: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly stream: StreamConfig,
    private readonly options: BrokerOptions,
  ) {}

  async start(handler: MessageHandler): Promise<void> {
    const clientId = this.stream.broker.clientId ?? `portcullis-${this.stream.name}`
    // The handler is in place before the session resumes: the broker may resend at once.
    this.#input ??= this.#connect('input', { clientId, clean: false, properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS } }, handler)
    this.#output ??= this.#connect('output', { clientId: `${clientId}-out`, clean: true })
    const { shareGroup } = this.stream.broker
    const topic = shareGroup === undefined ? this.options.input : `$share/${shareGroup}/${this.options.input}`
    await this.#input.subscribeAsync(topic, { qos: 1 })
  }

  /** Hands each message to the handler; mqtt.js sends its PUBACK when the callback runs. */
  #take(client: MqttClient, handler: MessageHandler): void {
    this.#taking = true
    client.handleMessage = (packet, callback) => {
      // After stopTaking() a message is left unacknowledged: the broker keeps it for the next start.
      if (!this.#taking) return
      const settled = handler({ payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload, redelivered: packet.dup }).then((ack) => {
        if (ack) callback()
      })
      this.#settling = settled.catch(() => undefined)
    }
  }

  async publish(destination: string, payload: Uint8Array): Promise<void> {
    if (this.#output === undefined) throw new Error('the stream has not started')
    await this.#output.publishAsync(destination, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1 })
  }

  async stopTaking(): Promise<void> {
    this.#taking = false
    await this.#settling
  }

  async close(): Promise<void> {
    this.#taking = false
    // Forced: a message handed to handleMessage but not called back must not be acknowledged, and
    // answers were settled before close (a graceful end would wait for a broker that may be away).
    await Promise.all([this.#input?.endAsync(true), this.#output?.endAsync(true)])
  }

  #connect(role: 'input' | 'output', session: Pick<IClientOptions, 'clientId' | 'clean' | 'properties'>, handler?: MessageHandler): MqttClient {
    const { username, password } = brokerCredentials(this.stream)
    const tls = brokerTls(this.stream)
    const client = connect(this.stream.broker.url, {
      protocolVersion: 5,
      ...session,
      username,
      password,
      ...(tls === undefined ? {} : { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized }),
      reconnectPeriod: reconnectDelayMs(1),
      connectTimeout: 10_000,
      resubscribe: true,
    })
    if (handler !== undefined) this.#take(client, handler)
    let attempts = 0
    let connectedBefore = false
    this.#states.set(role, 'connecting')
    client.on('connect', (connack) => {
      // A first connect may start a new session; a reconnect without one means the broker lost it.
      if (role === 'input' && connectedBefore && connack.sessionPresent !== true) this.options.onSessionLost()
      connectedBefore = true
      attempts = 0
      client.options.reconnectPeriod = reconnectDelayMs(1)
      this.#report(role, 'up')
    })
    client.on('close', () => {
      // mqtt.js reads the period when it arms the next attempt: lengthen it after each failure.
      attempts += 1
      client.options.reconnectPeriod = reconnectDelayMs(attempts + 1)
      this.#report(role, 'down', `${role} connection closed`)
    })
    // Errors come with the close that follows; the listener keeps them from being thrown.
    client.on('error', (err) => this.#report(role, 'down', `${role}: ${err.message}`))
    return client
  }

  /** The stream is up when both connections are; one report per change of the combined state. */
  #report(role: string, state: BrokerState, reason?: string): void {
    const before = combined(this.#states)
    this.#states.set(role, state)
    const after = combined(this.#states)
    if (after !== before) this.options.onState(after, reason)
  }
}

function combined(states: Map<string, BrokerState>): BrokerState {
  const values = [...states.values()]
  if (values.includes('down')) return 'down'
  if (values.includes('connecting')) return 'connecting'
  return 'up'
}

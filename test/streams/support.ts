import { randomBytes } from 'node:crypto'
import { connectAsync, type MqttClient } from 'mqtt'
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream'

/** The shared brokers of the machine (never restarted by tests). */
export const MQTT_URL = 'mqtt://127.0.0.1:1883'
export const NATS_URL = 'nats://127.0.0.1:4222'

/** A name no other test run uses: topic, subject, stream and client ids derive from it. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** A message as it comes out of the output or the dead letter. */
export interface OutMessage {
  id: string
  model?: string
  version?: string
  predictions?: unknown[]
  probabilities?: number[][]
  request_id?: string
  scored_at?: string
  error?: { code: string; message: string; details: unknown[] }
  message?: unknown
}

/** One `streams:` entry for a test, with unique destinations. */
export function streamEntry(
  name: string,
  kind: 'mqtt' | 'nats',
  url: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> & { input: string; output: string; deadLetter: string } {
  const sep = kind === 'mqtt' ? '/' : '.'
  return {
    name,
    broker: { kind, url },
    input: ['test', name, 'in'].join(sep),
    output: ['test', name, 'out'].join(sep),
    deadLetter: ['test', name, 'dead'].join(sep),
    model: 'iris',
    identity: { sub: `stream-${name}`, roles: ['user'] },
    maxInFlight: 64,
    ...extra,
  }
}

/** Collects output and dead-letter messages by id; counts duplicates. */
export class Collector {
  readonly outputs = new Map<string, OutMessage>()
  readonly dead = new Map<string, OutMessage>()
  duplicates = 0

  add(kind: 'output' | 'dead', payload: Uint8Array): void {
    const message = JSON.parse(Buffer.from(payload).toString('utf8')) as OutMessage
    const into = kind === 'output' ? this.outputs : this.dead
    if (into.has(message.id)) this.duplicates += 1
    into.set(message.id, message)
  }

  get settled(): number {
    return this.outputs.size + this.dead.size
  }

  /** Resolves once `check` holds; rejects with `what` after `timeoutMs`. */
  async waitFor(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (outputs ${this.outputs.size}, dead ${this.dead.size})`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

/** A test's own MQTT client: publishes inputs (QoS 1) and collects output and dead letter. */
export class MqttProbe extends Collector {
  private constructor(readonly client: MqttClient) {
    super()
  }

  /** `sessionId`: a persistent session, so answers published while the probe is away are kept for it. */
  static async open(url: string, output: string, deadLetter: string, sessionId?: string): Promise<MqttProbe> {
    const session =
      sessionId === undefined
        ? { clientId: uniqueName('probe'), clean: true }
        : { clientId: sessionId, clean: false, protocolVersion: 5 as const, properties: { sessionExpiryInterval: 3600 } }
    const client = await connectAsync(url, { ...session, reconnectPeriod: 200 })
    const probe = new MqttProbe(client)
    client.on('message', (topic, payload) => probe.add(topic === output ? 'output' : 'dead', payload))
    await client.subscribeAsync([output, deadLetter], { qos: 1 })
    return probe
  }

  async publish(topic: string, message: unknown): Promise<void> {
    await this.client.publishAsync(topic, typeof message === 'string' ? message : JSON.stringify(message), { qos: 1 })
  }

  async close(): Promise<void> {
    await this.client.endAsync()
  }
}

/** Ends a persistent MQTT session a test left on the shared broker (connect with a clean start, then leave). */
export async function dropMqttSession(url: string, clientId: string): Promise<void> {
  const client = await connectAsync(url, { clientId, clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 }, reconnectPeriod: 0 })
  await client.endAsync()
}

/** A test's own NATS client: publishes inputs through JetStream and collects output and dead letter. */
export class NatsProbe extends Collector {
  readonly #subscriptions: Subscription[] = []

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
  ) {
    super()
  }

  static async open(url: string, output: string, deadLetter: string): Promise<NatsProbe> {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200, waitOnFirstConnect: true })
    const probe = new NatsProbe(nc, jetstream(nc))
    for (const [subject, kind] of [
      [output, 'output'],
      [deadLetter, 'dead'],
    ] as const) {
      const subscription = nc.subscribe(subject, { callback: (_err, message) => probe.add(kind, message.data) })
      probe.#subscriptions.push(subscription)
    }
    await nc.flush()
    return probe
  }

  async publish(subject: string, message: unknown): Promise<void> {
    await this.js.publish(subject, typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** Reads every message stored in a JetStream stream (the answers), as a collector would have seen them. */
  async readStored(stream: string, output: string): Promise<void> {
    const consumer = await this.js.consumers.get(stream)
    const jsm = await jetstreamManager(this.nc)
    const total = (await jsm.streams.info(stream)).state.messages
    for (let read = 0; read < total;) {
      const batch = await consumer.fetch({ max_messages: Math.min(1000, total - read), expires: 5000 })
      for await (const message of batch) {
        this.add(message.subject === output ? 'output' : 'dead', message.data)
        read += 1
      }
    }
  }

  /** Deletes the JetStream streams a test's gateway created. */
  async deleteStreams(names: string[]): Promise<void> {
    const jsm = await jetstreamManager(this.nc)
    for (const name of names) await jsm.streams.delete(name).catch(() => false)
  }

  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.unsubscribe()
    await this.nc.close()
  }
}

/** A free TCP port on 127.0.0.1, for a private broker. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The JetStream stream names the gateway derives from a stream's name. */
export function jetStreamNames(name: string): string[] {
  const base = `PORTCULLIS_${name.toUpperCase().replace(/-/g, '_')}`
  return [base, `${base}_OUT`]
}

/**
 * Publishes messages `from` … `count - 1` made by `publish`, keeping at most `window` of them
 * unanswered (a broker queues a bounded number per session: Mosquitto's max_queued_messages is 1000).
 */
export async function publishPaced(count: number, window: number, collector: Collector, publish: (index: number) => Promise<void>, from = 0): Promise<void> {
  for (let index = from; index < count; index += 1) {
    while (index - collector.settled >= window) await new Promise((resolve) => setTimeout(resolve, 5))
    await publish(index)
  }
}

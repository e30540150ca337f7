/**
 * What a stream needs from a message broker. Each broker is one file behind this interface
 * (mqtt-broker.ts, nats-broker.ts); a Kafka adapter would be one more, built by openBroker().
 */

/** A connection's health, as /readyz reports it. */
export type BrokerState = 'connecting' | 'up' | 'down'

/** One message taken from the input. */
export interface InboundMessage {
  readonly payload: Uint8Array
  /** The broker delivered it before (MQTT DUP flag, JetStream delivery count above 1). */
  readonly redelivered: boolean
}

/**
 * Scores one message and publishes its answer. Resolves true once the answer is confirmed
 * published, so the broker may acknowledge the message; false leaves it unacknowledged, for
 * redelivery (the stream is stopping).
 */
export type MessageHandler = (message: InboundMessage) => Promise<boolean>

/** Told of every change of a broker connection's state, with a reason when it went down. */
export type StateListener = (state: BrokerState, reason?: string) => void

/**
 * Told when the broker came back without what it held for the stream's input (an MQTT session
 * not present on reconnect: a broker restarted without persistence). Messages it had queued or
 * had in flight to the gateway are gone, and only their publishers can send them again.
 */
export type SessionLostListener = () => void

/** One stream's connection(s) to its broker. */
export interface BrokerClient {
  /**
   * Connects, makes sure the input exists (JetStream stream and durable consumer, MQTT
   * subscription in a persistent session) and starts handing messages to `handler`, never more
   * than `maxInFlight` unsettled at once. Resolves once taking has started; reconnects on its own.
   */
  start(handler: MessageHandler): Promise<void>
  /** Publishes and resolves once the broker confirmed it (MQTT PUBACK, JetStream publish ack). */
  publish(destination: string, payload: Uint8Array): Promise<void>
  /** Stops taking new messages; those already handed out are still settled. */
  stopTaking(): Promise<void>
  /** Closes every connection; unsettled messages stay with the broker. */
  close(): Promise<void>
}

/** What every broker adapter is built from. */
export interface BrokerOptions {
  /** The stream's name: client ids and durable names derive from it. */
  name: string
  input: string
  output: string
  deadLetter: string
  maxInFlight: number
  onState: StateListener
  onSessionLost: SessionLostListener
}

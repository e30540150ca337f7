import type { StreamConfig } from '../config/schema.js'
import type { BrokerClient, SessionLostListener, StateListener } from './broker.js'
import { MqttBroker } from './mqtt-broker.js'
import { NatsBroker } from './nats-broker.js'

/** The broker adapter of a stream's `broker.kind`; a new broker is one adapter file and one case here. */
export function openBroker(stream: StreamConfig, onState: StateListener, onSessionLost: SessionLostListener): BrokerClient {
  const { name, input, output, deadLetter, maxInFlight } = stream
  const options = { name, input, output, deadLetter, maxInFlight, onState, onSessionLost }
  switch (stream.broker.kind) {
    case 'mqtt':
      return new MqttBroker(stream, options)
    case 'nats':
      return new NatsBroker(stream, options)
  }
}

import type { StreamConfig } from '../config/schema.js'
import type { BrokerClient, StateListener } from './broker.js'
import { MqttBroker } from './mqtt-broker.js'
import { NatsBroker } from './nats-broker.js'

/** The broker adapter of a stream's `broker.kind`; a new broker is one adapter file and one case here. */
export function openBroker(stream: StreamConfig, onState: StateListener): BrokerClient {
  const options = { name: stream.name, input: stream.input, output: stream.output, deadLetter: stream.deadLetter, maxInFlight: stream.maxInFlight, onState }
  switch (stream.broker.kind) {
    case 'mqtt':
      return new MqttBroker(stream, options)
    case 'nats':
      return new NatsBroker(stream, options)
  }
}

/**
 * The bare round trip for the streams bench: the same broker adapter, settling each message the
 * same way (answer confirmed published, then acknowledged), but the answer is the message itself:
 * no model, no checks. Args: a JSON `streams:` entry. Prints "ready" once taking messages.
 */
import { configSchema } from '../src/config/schema.js'
import { openBroker } from '../src/streams/open-broker.js'

const [stream] = configSchema.parse({ streams: [JSON.parse(process.argv[2] ?? '{}')] }).streams
if (stream === undefined) throw new Error('usage: stream-echo.ts <stream entry as JSON>')
const broker = openBroker(
  stream,
  () => undefined,
  () => undefined,
)
await broker.start(async (message) => {
  await broker.publish(stream.output, message.payload)
  return true
})
console.log('ready')
process.on('SIGTERM', () => {
  void broker.close().then(() => process.exit(0))
})

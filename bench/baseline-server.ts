/**
 * The bare baseline of `npm run bench`: node:http + JSON + jsonwebtoken.verify with a KeyObject
 * made once + onnxruntime-node, nothing else (issue 6, "Benchmark"). The fastest correct minimal
 * server, so Portcullis's ratios say what its pipeline costs.
 *
 *   node bench-output/baseline/baseline-server.js --model FILE [--labels a,b,c] [--no-auth]
 *
 * JWT_SECRET comes from the environment; the server prints `{"port": N}` once it listens.
 */
import { createServer, type ServerResponse } from 'node:http'
import { parseArgs } from 'node:util'
import { loadBaselineModel, tokenCheck } from './baseline-model.js'

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    labels: { type: 'string', default: '' },
    port: { type: 'string', default: '0' },
    'no-auth': { type: 'boolean', default: false },
  },
})
if (values.model === undefined) throw new Error('--model FILE is required')
const model = await loadBaselineModel(values.model, values.labels === '' ? [] : values.labels.split(','))
const authorized = values['no-auth'] ? () => true : tokenCheck(process.env.JWT_SECRET ?? '')

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') return send(res, 404, { error: 'not found' })
  if (!authorized(req.headers.authorization)) return send(res, 401, { error: 'unauthorized' })
  let text = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => (text += chunk))
  req.on('end', () => {
    model.predict(text).then(
      (answer) => send(res, 200, answer),
      (err: Error) => send(res, 400, { error: err.message }),
    )
  })
})
server.keepAliveTimeout = 5000
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))

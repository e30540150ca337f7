/**
 * The bare baseline of `npm run bench`: node:http + JSON + jsonwebtoken.verify with a KeyObject
 * made once + onnxruntime-node, nothing else (issue 6, "Benchmark"). The fastest correct minimal
 * server, so Portcullis's ratios say what its pipeline costs.
 *
 *   node --import tsx bench/baseline-server.ts --model FILE [--labels a,b,c] [--no-auth]
 *
 * JWT_SECRET comes from the environment; the server prints `{"port": N}` once it listens.
 */
import { createSecretKey } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { parseArgs } from 'node:util'
import jwt from 'jsonwebtoken'
import ort from 'onnxruntime-node'

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    labels: { type: 'string', default: '' },
    port: { type: 'string', default: '0' },
    'no-auth': { type: 'boolean', default: false },
  },
})
if (values.model === undefined) throw new Error('--model FILE is required')
const labels = values.labels === '' ? [] : values.labels.split(',')
const requireAuth = !values['no-auth']
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8'))
// One thread, as Portcullis's default: with the server pinned to one core, ORT's spinning pool
// threads would only take turns with the JS thread.
const session = await ort.InferenceSession.create(values.model, { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 })
const inputName = session.inputNames[0] ?? 'input'
const labelOutput = session.outputNames.find((name) => /label/i.test(name))
const probabilityOutput = session.outputNames.find((name) => /prob/i.test(name)) ?? session.outputNames[0] ?? ''

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

function authorized(req: IncomingMessage): boolean {
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Bearer ')) return false
  try {
    const claims = jwt.verify(header.slice(7), key, { algorithms: ['HS256'] })
    return typeof claims === 'object' && Array.isArray(claims.roles) && claims.roles.includes('user')
  } catch {
    return false
  }
}

async function predict(text: string): Promise<unknown> {
  const body = JSON.parse(text) as { inputs?: unknown }
  const rows = body.inputs
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every(Array.isArray)) throw new Error('inputs must be rows')
  const width = (rows[0] as number[]).length
  const data = new Float32Array(rows.length * width)
  rows.forEach((row: number[], index) => data.set(row, index * width))
  const results = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows.length, width]) })
  const probabilityData = results[probabilityOutput]?.data as Float32Array
  const classes = probabilityData.length / rows.length
  const probabilities = rows.map((_, row) => Array.from(probabilityData.subarray(row * classes, (row + 1) * classes)))
  const labelData = labelOutput === undefined ? undefined : results[labelOutput]?.data
  const predictions = probabilities.map((row, index) => {
    const value = labelData === undefined ? row.indexOf(Math.max(...row)) : Number(labelData[index])
    return labels[value] ?? value
  })
  return { predictions, probabilities }
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') return send(res, 404, { error: 'not found' })
  if (requireAuth && !authorized(req)) return send(res, 401, { error: 'unauthorized' })
  let text = ''
  req.setEncoding('utf8')
  req.on('data', (chunk: string) => (text += chunk))
  req.on('end', () => {
    predict(text).then((answer) => send(res, 200, answer), (err: Error) => send(res, 400, { error: err.message }))
  })
})
server.keepAliveTimeout = 5000
server.listen(Number(values.port), '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))

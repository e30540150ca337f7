/**
 * `npm run bench -- --only headers`: what writing the contract's fixed response headers costs per
 * response, in server CPU, measured in-process on node's own ServerResponse: with no fixed headers
 * (the floor), with the security headers set one by one (setHeader each), and as Portcullis's
 * server writes them (one block per response head, src/http/header-block.ts). Every response
 * also gets X-Request-ID, Content-Type and Content-Length, and its head is rendered (writeHead).
 *
 *   npm run bench -- --only headers [--responses 200000] [--rounds 5]
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { responseWithHeaderBlock } from '../src/http/header-block.js'
import { securityHeaderBlock } from '../src/http/middleware/security-headers.js'

const { values } = parseArgs({ options: { responses: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } })
const RESPONSES = Number(values.responses)
const ROUNDS = Math.max(1, Number(values.rounds))
const fixed = securityHeaderBlock({ hsts: false })
const blockResponse = responseWithHeaderBlock(fixed)
if (blockResponse === undefined) throw new Error('node renders response heads differently: see src/http/header-block.ts')
const BlockResponse = blockResponse
const request = new IncomingMessage(new Socket())

type Mode = 'none' | 'each' | 'block'
const MODES: Record<Mode, string> = {
  none: 'no fixed headers (floor)',
  each: 'security headers, one setHeader each',
  block: 'security headers as one block (Portcullis)',
}

/** Server CPU µs per response head in `mode`. */
function cpuPerResponse(mode: Mode): number {
  const started = process.cpuUsage()
  for (let index = 0; index < RESPONSES; index += 1) {
    const response = mode === 'block' ? new BlockResponse(request) : new ServerResponse(request)
    response.setHeader('X-Request-ID', 'f3b0c442-98fc-4c14-9afb-4c8996fb9242')
    if (mode === 'each') for (const [name, value] of fixed) response.setHeader(name, value)
    response.setHeader('Content-Type', 'application/json; charset=utf-8')
    response.setHeader('Content-Length', '120')
    response.writeHead(200)
  }
  const used = process.cpuUsage(started)
  return (used.user + used.system) / RESPONSES
}

const samples = new Map<Mode, number[]>(Object.keys(MODES).map((mode) => [mode as Mode, []]))
for (let round = 0; round < ROUNDS; round += 1) {
  for (const mode of Object.keys(MODES) as Mode[]) samples.get(mode)?.push(cpuPerResponse(mode))
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
const floor = median(samples.get('none') ?? [])
console.log(
  [
    `## Fixed response headers: CPU per response head, median of ${ROUNDS} rounds of ${RESPONSES}`,
    '',
    '| how | µs per response | over the floor, µs |',
    '| --- | ---: | ---: |',
    ...(Object.entries(MODES) as [Mode, string][]).map(([mode, label]) => {
      const micros = median(samples.get(mode) ?? [])
      return `| ${label} | ${micros.toFixed(2)} | ${(micros - floor).toFixed(2)} |`
    }),
  ].join('\n'),
)

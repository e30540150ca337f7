import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { TEST_SECRET } from '../../helpers/server.js'
import { claims, hmacToken } from './attack.js'
import { send } from './http.js'

/** The second client machine of the flood tests: all of 127/8 is loopback. */
export const ATTACKER = '127.0.0.2'
/** The valid caller, from another address. */
export const CALLER = '127.0.0.1'

const IRIS_ROW = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] })

/** A token the gateways of test/security/support/gateway.ts accept. */
export function validToken(roles: string[] = ['user'], subject = 'valid-caller'): string {
  return hmacToken({ alg: 'HS256', typ: 'JWT' }, claims({ sub: subject, roles }), TEST_SECRET)
}

/** One predict request of the valid caller; resolves with its status. */
export async function predictAsCaller(url: string, token: string): Promise<number> {
  const response = await send(`${url}/api/v1/models/iris/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: IRIS_ROW,
    localAddress: CALLER,
  })
  await response.arrayBuffer()
  return response.status
}

/** The valid caller predicting one request after another until `stop` resolves; every status it got. */
export async function keepPredicting(url: string, token: string, stop: Promise<unknown>): Promise<number[]> {
  let stopped = false
  void stop.then(() => (stopped = true))
  const statuses: number[] = []
  while (!stopped) statuses.push(await predictAsCaller(url, token))
  return statuses
}

/** The resident memory of a process in bytes (VmRSS of /proc/<pid>/status). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  assert.ok(match?.[1] !== undefined, `no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

/** A raw connection from `localAddress`, resolved once connected, or when the server closed it first. */
export function openSocket(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    // A connection the server refuses or cuts is part of the attack's outcome, not a test error.
    socket.on('error', () => undefined)
    socket.once('connect', () => resolve(socket))
    socket.once('close', () => resolve(socket))
  })
}

/** Sends the head of a POST whose body is declared `declared` bytes long, and the first `sent` of them. */
export function startBody(socket: Socket, declared: number, sent: string, extra: Record<string, string> = {}): void {
  const headers = Object.entries({ 'Content-Type': 'application/json', 'Content-Length': String(declared), ...extra }).map(([name, value]) => `${name}: ${value}\r\n`)
  socket.write(`POST /api/v1/models/iris/predict HTTP/1.1\r\nHost: localhost\r\n${headers.join('')}\r\n${sent}`)
}

/**
 * POSTs a whole body from `localAddress` without credentials and waits for the answer and the
 * end of the connection; undefined when the connection was refused or cut before an answer.
 */
export function postBody(url: string, body: Buffer, localAddress: string, headers: Record<string, string> = {}): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/api/v1/models/iris/predict`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...headers },
      },
      (res) => {
        res.resume()
        res.once('end', () => resolve(res.statusCode))
        res.once('error', () => resolve(res.statusCode))
      },
    )
    req.once('error', () => resolve(undefined))
    req.end(body)
  })
}

/** Runs `task` over `count` items, at most `width` at a time. */
export async function inWaves<T>(count: number, width: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  for (let start = 0; start < count; start += width) {
    const wave = Array.from({ length: Math.min(width, count - start) }, (_, offset) => task(start + offset))
    results.push(...(await Promise.all(wave)))
  }
  return results
}

import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { demoModelsDir } from '../helpers/demo-models.js'
import { ATTACKER, inWaves, keepPredicting, openSocket, predictAsCaller, startBody, validToken } from './support/flood.js'
import { spawnGateway, type Gateway } from './support/gateway.js'

// Issue: one address holding ~1,000 slow unauthenticated POST bodies (one byte sent of a declared
// 1,000) made every valid caller get 503 until the request timeout. Now such a request is refused
// from its headers before its body is waited for, and one address holds at most
// budgets.maxConnectionsPerAddress connections: the rest are closed at accept.
describe('attack: one address opens ~1000 POSTs and sends one byte of each declared 1000-byte body', () => {
  let gateway: Gateway
  const sockets: Socket[] = []
  before(async () => {
    // The caller asks as fast as it can: its own per-subject limit is raised out of the way.
    gateway = await spawnGateway({ modelsDir: await demoModelsDir(), config: { rateLimit: { predict: '100000/minute' } } })
  })
  after(async () => {
    for (const socket of sockets) socket.destroy()
    await gateway.stop()
  })

  it('a valid caller from another address keeps getting 200 all through the flood', async (t) => {
    const token = validToken()
    assert.equal(await predictAsCaller(gateway.url, token), 200, 'control, before the flood')
    const port = Number(new URL(gateway.url).port)
    const answered = new Set<Socket>()
    const flood = inWaves(1000, 100, async () => {
      const socket = await openSocket(port, ATTACKER)
      sockets.push(socket)
      socket.once('data', () => answered.add(socket))
      if (!socket.destroyed) startBody(socket, 1000, '{')
    })
    // The caller goes on while the flood opens and for a while after, with every socket still held.
    const statuses = await keepPredicting(
      gateway.url,
      token,
      flood.then(() => sleep(3000)),
    )
    assert.ok(statuses.length >= 5, `the caller got only ${statuses.length} answers`)
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      [],
      'every answer to the valid caller was 200',
    )
    // Past budgets.maxConnectionsPerAddress (256) a connection is closed at accept, before a byte is answered.
    const refused = sockets.filter((socket) => socket.destroyed && !answered.has(socket)).length
    t.diagnostic(`${refused} of 1000 connections refused at accept; the caller got ${statuses.length} answers, all 200`)
    assert.ok(refused >= 600, `only ${refused} of 1000 connections from one address were refused at accept`)
  })

  it('still answers the valid caller once the attacker lets go', async () => {
    for (const socket of sockets) socket.destroy()
    assert.equal(await predictAsCaller(gateway.url, validToken()), 200)
  })
})

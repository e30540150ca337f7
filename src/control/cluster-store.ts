import cluster from 'node:cluster'
import { randomUUID } from 'node:crypto'
import { ApiError } from '../errors/api-error.js'
import type { Logger } from '../observability/logger.js'
import { applyFieldWrite, type ControlFields, type FieldWrite } from './control-state.js'
import type { ControlStore } from './control-store.js'

/** Messages between workers and the primary about control state; `portcullisControl` tells them from other IPC. */
type ControlMessage =
  | { portcullisControl: 'sync'; id: string }
  | { portcullisControl: 'write'; id: string; change: FieldWrite }
  | { portcullisControl: 'state'; id?: string; fields: [string, string][] }

const ANSWER_TIMEOUT_MS = 5_000

/**
 * Control state of a worker in a process tree without Redis: the primary holds the fields, a
 * worker asks it for them at start and sends it every change, and the primary sends the new
 * fields to every worker. A worker that restarts gets the current state, not the state at boot.
 */
export class ClusterControlStore implements ControlStore {
  readonly kind = 'cluster'
  readonly #waiting = new Map<string, (fields: ControlFields) => void>()
  readonly #listeners: ((fields: ControlFields) => void)[] = []
  #fields: ControlFields = new Map()

  constructor() {
    process.on('message', this.#onMessage)
  }

  async start(): Promise<void> {
    await this.#ask({ portcullisControl: 'sync', id: randomUUID() })
  }

  up(): boolean {
    return process.connected
  }

  fields(): ControlFields {
    return this.#fields
  }

  write(change: FieldWrite): Promise<ControlFields> {
    return this.#ask({ portcullisControl: 'write', id: randomUUID(), change })
  }

  onChange(listener: (fields: ControlFields) => void): void {
    this.#listeners.push(listener)
  }

  async close(): Promise<void> {
    process.off('message', this.#onMessage)
  }

  #ask(message: ControlMessage & { id: string }): Promise<ControlFields> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(message.id)
        reject(new ApiError('unavailable', 'the cluster primary did not answer; nothing was changed', { headers: { 'Retry-After': '5' } }))
      }, ANSWER_TIMEOUT_MS)
      this.#waiting.set(message.id, (fields) => {
        clearTimeout(timer)
        resolve(fields)
      })
      if (process.send === undefined || !process.connected) {
        this.#waiting.delete(message.id)
        clearTimeout(timer)
        reject(new ApiError('unavailable', 'no cluster primary to hold the control state', { headers: { 'Retry-After': '5' } }))
        return
      }
      process.send(message)
    })
  }

  readonly #onMessage = (message: unknown): void => {
    if (!isControlMessage(message) || message.portcullisControl !== 'state') return
    this.#fields = new Map(message.fields)
    for (const listener of this.#listeners) listener(this.#fields)
    if (message.id === undefined) return
    this.#waiting.get(message.id)?.(this.#fields)
    this.#waiting.delete(message.id)
  }
}

/**
 * The primary's side: holds the fields for its workers, applies their writes one at a time (IPC
 * messages arrive in order), and sends the result to every live worker.
 */
export function hostClusterControl(logger: Logger): void {
  const fields = new Map<string, string>()
  cluster.on('message', (worker, message: unknown) => {
    if (!isControlMessage(message)) return
    if (message.portcullisControl === 'sync') {
      worker.send({ portcullisControl: 'state', id: message.id, fields: [...fields] } satisfies ControlMessage)
      return
    }
    if (message.portcullisControl !== 'write' || !isFieldWrite(message.change)) return
    applyFieldWrite(fields, message.change)
    logger.debug('control state changed', { field: message.change.field, by_worker: worker.id })
    for (const other of Object.values(cluster.workers ?? {})) {
      if (other === undefined || !other.isConnected()) continue
      const answer: ControlMessage = { portcullisControl: 'state', fields: [...fields], ...(other === worker ? { id: message.id } : {}) }
      other.send(answer)
    }
  })
}

// Workers are this program's own processes, but a malformed write must not corrupt the fields for all of them.
function isFieldWrite(change: unknown): change is FieldWrite {
  if (typeof change !== 'object' || change === null || !('field' in change) || typeof change.field !== 'string') return false
  return ('set' in change && typeof change.set === 'string') || ('increment' in change && typeof change.increment === 'number')
}

function isControlMessage(message: unknown): message is ControlMessage {
  return typeof message === 'object' && message !== null && 'portcullisControl' in message
}

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import jwt from 'jsonwebtoken'
import { parse, stringify } from 'yaml'
import { constantClassifier } from '../models/repo-fixtures.js'
import { tempRepository } from './demo-models.js'
import { postJson, TEST_SECRET } from './server.js'

/** A row every demo classifier accepts. */
export const ROW = [5.1, 3.5, 1.4, 0.2]

/**
 * A temp repository with the demo models and `fleet`: version 1 always says setosa, version 2
 * always virginica, version 1 by default; plus `gateway.yaml` with the given config.
 */
export async function fleetRepository(config: Record<string, unknown>): Promise<{ dir: string; configPath: string; cleanup: () => void }> {
  const repo = await tempRepository()
  const irisYaml = parse(readFileSync(join(repo.dir, 'iris', 'model.yaml'), 'utf8')) as Record<string, unknown>
  for (const [version, label] of [
    [1, 0],
    [2, 2],
  ] as const) {
    mkdirSync(join(repo.dir, 'fleet', String(version)), { recursive: true })
    writeFileSync(join(repo.dir, 'fleet', String(version), 'model.onnx'), constantClassifier(label))
  }
  writeFileSync(join(repo.dir, 'fleet', 'model.yaml'), stringify({ ...irisYaml, defaultVersion: 1 }))
  const configPath = join(repo.dir, 'gateway.yaml')
  writeFileSync(configPath, stringify(config))
  return { ...repo, configPath }
}

/** An HS256 token for the test secret. */
export function fleetToken(subject: string, roles: string[]): string {
  return jwt.sign({ roles }, TEST_SECRET, { algorithm: 'HS256', subject, expiresIn: 600 })
}

/** One prediction on `fleet` (or `path`), as status, version and first label. */
export async function predictFleet(url: string, token: string, path = '/api/v1/models/fleet/predict'): Promise<{ status: number; version?: string; label?: string }> {
  const response = await postJson(`${url}${path}`, { inputs: [ROW] }, token, { 'Cache-Control': 'no-cache' })
  const body = (await response.json()) as { version?: string; predictions?: string[] }
  return { status: response.status, version: body.version, label: body.predictions?.[0] }
}

/** Sends an admin request with a JSON body (or none). */
export function adminRequest(url: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}/api/v1/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

/** Polls `check` until it returns true; resolves with the milliseconds it took, or rejects after `timeoutMs`. */
export async function within(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await check()) return Date.now() - started
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

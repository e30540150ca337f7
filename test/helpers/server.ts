import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { mintToken } from '../../src/cli/token.js'
import { createLogger } from '../../src/observability/logger.js'
import { startRuntime, type Runtime } from '../../src/runtime.js'
import { demoModelsDir } from './demo-models.js'

/** A test secret of the required strength. */
export const TEST_SECRET = 'test-secret-Qm7Vx2Lp9Rz4Tb8Nc1Wd6Hf3Jg5Ks0Ya'

/** Options of startServer. */
export interface StartOptions {
  modelsDir?: string
  /** Extra YAML merged last, as CONFIG_PATH would. */
  config?: Record<string, unknown>
  env?: Record<string, string>
}

/** A running gateway on a random port, closed when the test ends. */
export interface TestServer {
  url: string
  runtime: Runtime
  token(roles: string[], subject?: string, ttlSeconds?: number): string
  close(): Promise<void>
}

/** Starts the real gateway in-process on port 0 and waits until its models are loaded; call close() in after(). */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const modelsDir = options.modelsDir ?? (await demoModelsDir())
  const configDir = mkdtempSync(join(tmpdir(), 'portcullis-config-'))
  const configPath = join(configDir, 'extra.yaml')
  writeFileSync(configPath, stringify({ server: { port: 0 }, ...options.config }))
  const config = loadConfig({
    APP_ENV: 'test',
    JWT_SECRET: TEST_SECRET,
    MODELS_DIR: modelsDir,
    CONFIG_PATH: configPath,
    ...options.env,
  })
  const runtime = await startRuntime(config, createLogger({ level: 'error', silent: true }))
  await runtime.modelsLoaded
  return {
    url: `http://127.0.0.1:${runtime.port}`,
    runtime,
    token: (roles, subject = 'tester', ttlSeconds = 600) => mintToken(config, runtime.keys, { subject, roles, ttlSeconds }),
    async close() {
      await runtime.close()
      rmSync(configDir, { recursive: true, force: true })
    },
  }
}

/** POSTs JSON with an optional bearer token. */
export function postJson(url: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** GETs with an optional bearer token. */
export function getJson(url: string, token?: string): Promise<Response> {
  return fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
}

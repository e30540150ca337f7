import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Config } from '../config/schema.js'
import { buildDemoModels, DEMO_MODEL_NAMES } from '../demo/build-demo.js'
import { startRuntime, type Runtime } from '../runtime.js'
import { mintToken } from './token.js'

/** `portcullis serve [--build-demo-if-missing]`: runs the gateway until SIGTERM or SIGINT. */
export async function serveCommand(config: Readonly<Config>, argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'build-demo-if-missing': { type: 'boolean', default: false } } })
  if (values['build-demo-if-missing']) await buildDemoIfMissing(config.models.dir)
  const runtime = await startRuntime(config)
  if (config.env === 'development' && config.auth.printDemoTokens) printDemoTokens(config, runtime)
  await waitForSignal()
  runtime.logger.info('shutting down: draining in-flight requests')
  await runtime.close()
  return 0
}

async function buildDemoIfMissing(dir: string): Promise<void> {
  const missing = DEMO_MODEL_NAMES.filter((name) => !existsSync(join(resolve(dir), name)))
  if (missing.length === 0) return
  console.error(`building demo models into ${dir} (${missing.join(', ')} missing)`)
  await buildDemoModels(dir)
}

function printDemoTokens(config: Readonly<Config>, runtime: Runtime): void {
  const base = `http://${config.server.host}:${runtime.port}`
  const user = mintToken(config, runtime.keys, { subject: 'demo-user', roles: ['user'], ttlSeconds: 8 * 3600 })
  const admin = mintToken(config, runtime.keys, { subject: 'demo-admin', roles: ['admin'], ttlSeconds: 8 * 3600 })
  const secretNote = runtime.keys.ephemeral ? ' (signed with a random per-start secret; set JWT_SECRET to keep tokens across restarts)' : ''
  // Development only (config/production-rules.ts refuses this elsewhere); printed, never logged.
  console.log([
    '',
    `Portcullis is serving on ${base}${secretNote}`,
    `  demo user token (role user, 8 h):   ${user}`,
    `  demo admin token (role admin, 8 h): ${admin}`,
    '',
    `  curl -s ${base}/api/v1/models/iris/predict -H "Authorization: Bearer $USER_TOKEN" \\`,
    `    -H 'Content-Type: application/json' -d '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'`,
    `  API docs: ${base}/docs`,
    '',
  ].join('\n'))
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveSignal) => {
    const stop = (): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolveSignal()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}

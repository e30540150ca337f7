import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { ConfigError } from './config-error.js'
import { environmentLayer, type Environment } from './env.js'
import { interpolate, isPlainObject } from './interpolate.js'
import { deepFreeze, mergeLayers } from './merge.js'
import { checkDeploymentRules } from './production-rules.js'
import { checkSupplyRules } from './supply-rules.js'
import { configSchema, type Config } from './schema.js'

/** The shipped config folder: default.yaml plus one overlay per APP_ENV. */
const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url))

const APP_ENVS = ['development', 'test', 'staging', 'production'] as const

/** Where the layers come from; every field has a default so `loadConfig(env)` is the usual call. */
export interface LoadOptions {
  configDir?: string
  cwd?: string
}

/** Loads default.yaml → <APP_ENV>.yaml → CONFIG_PATH → environment, validates, and freezes. */
export function loadConfig(env: Environment, options: LoadOptions = {}): Readonly<Config> {
  const configDir = options.configDir ?? CONFIG_DIR
  const appEnv = env.APP_ENV === undefined || env.APP_ENV === '' ? 'development' : env.APP_ENV
  if (!(APP_ENVS as readonly string[]).includes(appEnv)) {
    throw new ConfigError('APP_ENV', `expected one of ${APP_ENVS.join(', ')}, got "${appEnv}"`)
  }
  let merged: Record<string, unknown> = { env: appEnv }
  merged = mergeLayers(merged, readLayer(join(configDir, 'default.yaml'), env, true))
  merged = mergeLayers(merged, readLayer(join(configDir, `${appEnv}.yaml`), env, false))
  if (env.CONFIG_PATH !== undefined && env.CONFIG_PATH !== '') {
    merged = mergeLayers(merged, readLayer(resolve(options.cwd ?? process.cwd(), env.CONFIG_PATH), env, true))
  }
  merged = mergeLayers(merged, environmentLayer(env))
  merged.env = appEnv
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) throw toConfigError(parsed.error)
  checkDeploymentRules(parsed.data)
  checkSupplyRules(parsed.data)
  return deepFreeze(parsed.data)
}

function readLayer(path: string, env: Environment, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) throw new ConfigError(path, 'config file not found')
    return {}
  }
  let document: unknown
  try {
    document = parseYaml(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(path, `not valid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  if (document === null || document === undefined) return {}
  if (!isPlainObject(document)) throw new ConfigError(path, 'expected a mapping at the top level')
  const interpolated = interpolate(document, env)
  return isPlainObject(interpolated) ? interpolated : {}
}

function toConfigError(error: z.ZodError): ConfigError {
  const issue = error.issues[0]
  const keyPath = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')
  const others = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ''
  return new ConfigError(keyPath, `${issue?.message ?? 'invalid'}${others}`)
}

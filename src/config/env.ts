/** Environment variables of the contract, and the YAML paths they override. The ONLY reader of process.env. */
const ENV_OVERRIDES = {
  HOST: ['server', 'host'],
  PORT: ['server', 'port'],
  MODELS_DIR: ['models', 'dir'],
  JWT_SECRET: ['auth', 'secret'],
  JWT_ISSUER: ['auth', 'issuer'],
  JWT_AUDIENCE: ['auth', 'audience'],
  RATE_LIMIT: ['rateLimit', 'default'],
  REDIS_URL: ['rateLimit', 'redisUrl'],
  LOG_LEVEL: ['logging', 'level'],
} as const

/** A snapshot of the process environment. */
export type Environment = Readonly<Record<string, string | undefined>>

/** Reads the environment once; the loader takes it as an argument so tests can pass their own. */
export function readEnvironment(): Environment {
  return { ...process.env }
}

/** The config layer the environment variables make (only the ones that are set and non-empty). */
export function environmentLayer(env: Environment): Record<string, unknown> {
  const layer: Record<string, Record<string, unknown>> = {}
  for (const [name, [section, key]] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name]
    if (value === undefined || value === '') continue
    layer[section] = { ...layer[section], [key]: value }
  }
  return layer
}

/** The environment a child process (the git binary) inherits; read here, so no other module reads process.env. */
export function childProcessEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env }
}

import type { Config, UnsafeSettingKey } from './schema.js'
import { ConfigError } from './config-error.js'

/** Words of secrets seen in samples and tutorials; a deployment using one is as good as unauthenticated. */
const PLACEHOLDER_WORDS = [
  'changeme',
  'changeit',
  'placeholder',
  'yoursecret',
  'your256bitsecret',
  'secretkey',
  'jwtsecret',
  'replaceme',
  'example',
  'password',
  'supersecret',
  'insecure',
  'notasecret',
]

/** Minimum HS secret length in bytes (RFC 7518 §3.2: a key at least as long as the hash output). */
const MIN_SECRET_BYTES = 32

/** True for a known placeholder, a repeated pattern, a keyboard or alphabet run, or too few distinct characters. */
function isPlaceholderSecret(secret: string): boolean {
  const letters = secret.toLowerCase().replace(/[^a-z0-9]/g, '')
  if (PLACEHOLDER_WORDS.some((word) => letters.includes(word))) return true
  if (/^(.{1,12}?)\1+$/.test(letters)) return true
  if (isMostlySequential(secret)) return true
  return new Set(secret).size < 10
}

/**
 * True when most neighbouring characters step by -1, 0 or +1 (`abcdef…123456`, `zyxw…`): such a
 * secret has many distinct characters yet is among the first any guesser tries. A random secret
 * of 32 characters has a handful of such steps at most.
 */
function isMostlySequential(secret: string): boolean {
  let steps = 0
  for (let index = 1; index < secret.length; index += 1) {
    if (Math.abs(secret.charCodeAt(index) - secret.charCodeAt(index - 1)) <= 1) steps += 1
  }
  return steps * 2 > secret.length - 1
}

function checkSecret(keyPath: string, secret: string, env: string): void {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ConfigError(keyPath, `the secret must be at least ${MIN_SECRET_BYTES} bytes in ${env}`)
  }
  if (isPlaceholderSecret(secret)) {
    throw new ConfigError(keyPath, 'the secret is a known placeholder; generate one with `openssl rand -base64 48`')
  }
}

// Plain http is allowed to this host only, where no network sits between the gateway and the keys.
function isSecureUrl(url: string): boolean {
  const { protocol, hostname } = new URL(url)
  return protocol === 'https:' || hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]'
}

/** The longest clock skew accepted for exp/nbf outside development (RFC 7519 allows "a few minutes"). */
const MAX_CLOCK_TOLERANCE_SECONDS = 300

/** The longest token lifetime accepted outside development without an explicit `allowUnsafe` entry. */
const MAX_TOKEN_LIFETIME_SECONDS = 7 * 86_400

/** Refuses configs that are unsafe to run in staging or production (contract.md, "Environment"). */
export function checkDeploymentRules(config: Config): void {
  if (config.env !== 'production' && config.env !== 'staging') return
  for (const rule of [authRules, transportRules, weakSettingRules]) {
    const error = rule(config)
    if (error === undefined) continue
    if ((config.allowUnsafe as readonly string[]).includes(error.keyPath)) continue
    throw error
  }
}

function authRules(config: Config): ConfigError | undefined {
  const { auth, env } = config
  if (!auth.enabled) return new ConfigError('auth.enabled', `authentication cannot be disabled in ${env}`)
  if (auth.algorithms.some((alg) => alg.startsWith('HS'))) {
    if (auth.secret === undefined || auth.secret === '') {
      return new ConfigError('auth.secret', `JWT_SECRET is required in ${env} (or configure auth.publicKeyFile with RS/PS/ES algorithms)`)
    }
    checkSecret('auth.secret', auth.secret, env)
    if (auth.previousSecret !== undefined && auth.previousSecret !== '') checkSecret('auth.previousSecret', auth.previousSecret, env)
  }
  if (auth.algorithms.some((alg) => !alg.startsWith('HS')) && auth.publicKeyFile === undefined && auth.jwksFile === undefined && auth.jwksUri === undefined) {
    return new ConfigError('auth.publicKeyFile', `a public key file or JWKS is required for ${auth.algorithms.join(', ')}`)
  }
  if (auth.jwksUri !== undefined && !isSecureUrl(auth.jwksUri)) return new ConfigError('auth.jwksUri', `keys must be fetched over https in ${env}`)
  if (auth.printDemoTokens) return new ConfigError('auth.printDemoTokens', `demo tokens are never printed in ${env}`)
  return undefined
}

function transportRules(config: Config): ConfigError | undefined {
  if (config.logging.level === 'debug' || config.logging.level === 'silly') {
    return new ConfigError('logging.level', `debug logging is refused in ${config.env}`)
  }
  const { origins, credentials } = config.server.cors
  if (credentials && origins.includes('*')) return new ConfigError('server.cors', 'CORS origin "*" with credentials is refused')
  // Sandboxed frames, data: URLs and file: pages all send `Origin: null`: allowing it with
  // credentials lets any of them read authenticated answers.
  if (credentials && origins.includes('null')) return new ConfigError('server.cors', 'CORS origin "null" with credentials is refused')
  return undefined
}

/** Settings that are legal but weaken the gateway; each may be accepted by name under `allowUnsafe`. */
function weakSettingRules(config: Config): ConfigError | undefined {
  const { auth, env } = config
  const accept = 'or list the key under allowUnsafe to accept it'
  const checks: [boolean, UnsafeSettingKey, string][] = [
    [auth.clockToleranceSeconds > MAX_CLOCK_TOLERANCE_SECONDS, 'auth.clockToleranceSeconds', `at most ${MAX_CLOCK_TOLERANCE_SECONDS} s of clock skew in ${env}, ${accept}`],
    [auth.maxTokenLifetimeSeconds > MAX_TOKEN_LIFETIME_SECONDS, 'auth.maxTokenLifetimeSeconds', `tokens may live at most ${MAX_TOKEN_LIFETIME_SECONDS} s in ${env}, ${accept}`],
    [
      usesPublicKeys(config) && (auth.issuer === undefined || auth.audience === undefined),
      'auth.issuer',
      `public-key or JWKS tokens need auth.issuer and auth.audience in ${env}: any token the identity provider signs for another service would pass; ${accept}`,
    ],
    [!config.rateLimit.enabled, 'rateLimit.enabled', `rate limiting cannot be turned off in ${env}, ${accept}`],
    [
      config.metrics.port !== undefined && isWildcard(config.metrics.host ?? config.server.host),
      'metrics.host',
      `the token-free metrics listener must not bind every interface in ${env}; set metrics.host to a private address, ${accept}`,
    ],
  ]
  const broken = checks.find(([fails]) => fails)
  return broken === undefined ? undefined : new ConfigError(broken[1], broken[2])
}

function usesPublicKeys(config: Config): boolean {
  const { auth } = config
  return auth.algorithms.some((alg) => !alg.startsWith('HS')) && (auth.publicKeyFile !== undefined || auth.jwksFile !== undefined || auth.jwksUri !== undefined)
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '*'
}

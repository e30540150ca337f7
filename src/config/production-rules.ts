import type { Config } from './schema.js'
import { ConfigError } from './config-error.js'

/** Words of secrets seen in samples and tutorials; a deployment using one is as good as unauthenticated. */
const PLACEHOLDER_WORDS = ['changeme', 'changeit', 'placeholder', 'yoursecret', 'your256bitsecret', 'secretkey', 'jwtsecret', 'replaceme', 'example', 'password', 'supersecret', 'insecure', 'notasecret']

/** Minimum HS secret length in bytes (RFC 7518 §3.2: a key at least as long as the hash output). */
export const MIN_SECRET_BYTES = 32

/** True for a known placeholder, a repeated pattern, or a secret with too few distinct characters. */
export function isPlaceholderSecret(secret: string): boolean {
  const letters = secret.toLowerCase().replace(/[^a-z0-9]/g, '')
  if (PLACEHOLDER_WORDS.some((word) => letters.includes(word))) return true
  if (/^(.{1,12}?)\1+$/.test(letters)) return true
  return new Set(secret).size < 10
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

/** Refuses configs that are unsafe to run in staging or production (contract.md, "Environment"). */
export function checkDeploymentRules(config: Config): void {
  if (config.env !== 'production' && config.env !== 'staging') return
  const { auth } = config
  if (!auth.enabled) throw new ConfigError('auth.enabled', `authentication cannot be disabled in ${config.env}`)
  const usesHmac = auth.algorithms.some((alg) => alg.startsWith('HS'))
  if (usesHmac) {
    if (auth.secret === undefined || auth.secret === '') {
      throw new ConfigError('auth.secret', `JWT_SECRET is required in ${config.env} (or configure auth.publicKeyFile with RS/PS/ES algorithms)`)
    }
    checkSecret('auth.secret', auth.secret, config.env)
    if (auth.previousSecret !== undefined && auth.previousSecret !== '') checkSecret('auth.previousSecret', auth.previousSecret, config.env)
  }
  const usesAsymmetric = auth.algorithms.some((alg) => !alg.startsWith('HS'))
  if (usesAsymmetric && auth.publicKeyFile === undefined && auth.jwksFile === undefined && auth.jwksUri === undefined) {
    throw new ConfigError('auth.publicKeyFile', `a public key file or JWKS is required for ${auth.algorithms.join(', ')}`)
  }
  if (auth.jwksUri !== undefined && !isSecureUrl(auth.jwksUri)) {
    throw new ConfigError('auth.jwksUri', `keys must be fetched over https in ${config.env}`)
  }
  if (config.logging.level === 'debug' || config.logging.level === 'silly') {
    throw new ConfigError('logging.level', `debug logging is refused in ${config.env}`)
  }
  if (config.server.cors.origins.includes('*') && config.server.cors.credentials) {
    throw new ConfigError('server.cors', 'CORS origin "*" with credentials is refused')
  }
  if (auth.printDemoTokens) throw new ConfigError('auth.printDemoTokens', `demo tokens are never printed in ${config.env}`)
}

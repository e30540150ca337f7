import { createPrivateKey, createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Config, JwtAlgorithm } from '../config/schema.js'
import { ConfigError } from '../config/config-error.js'

/** The key material tokens are verified with, made once at start (design.md, "tokens"). */
export interface VerificationKeys {
  /** KeyObjects, never strings: jsonwebtoken 9 re-derives a key from a string on every verify. */
  hmac?: KeyObject
  publicKey?: KeyObject
  /** The allowlist, each algorithm pinned to the key family it belongs to. */
  algorithms: readonly JwtAlgorithm[]
  /** True when the HS secret was generated for this process (development only). */
  ephemeral: boolean
}

/** True for the HS* family. */
export function isHmacAlgorithm(alg: string): boolean {
  return alg.startsWith('HS')
}

/** Builds the verification keys from the auth config; makes a random secret where allowed. */
export function loadVerificationKeys(config: Readonly<Config>): VerificationKeys {
  const { auth } = config
  const wantsHmac = auth.algorithms.some(isHmacAlgorithm)
  const wantsAsymmetric = auth.algorithms.some((alg) => !isHmacAlgorithm(alg))
  let hmac: KeyObject | undefined
  let ephemeral = false
  if (wantsHmac) {
    if (auth.secret !== undefined && auth.secret !== '') {
      hmac = createSecretKey(Buffer.from(auth.secret, 'utf8'))
    } else if (config.env === 'development' || config.env === 'test') {
      hmac = createSecretKey(randomBytes(48))
      ephemeral = true
    } else {
      throw new ConfigError('auth.secret', `JWT_SECRET is required in ${config.env}`)
    }
  }
  let publicKey: KeyObject | undefined
  if (wantsAsymmetric) {
    if (auth.publicKeyFile === undefined) throw new ConfigError('auth.publicKeyFile', 'required for RS/PS/ES algorithms')
    publicKey = readPemKey(auth.publicKeyFile, 'auth.publicKeyFile', createPublicKey)
  }
  return { hmac, publicKey, algorithms: auth.algorithms, ephemeral }
}

/** The key `portcullis token` signs with: the HS secret, or the configured private key. */
export function loadSigningKey(config: Readonly<Config>, keys: VerificationKeys, alg: JwtAlgorithm): KeyObject {
  if (isHmacAlgorithm(alg)) {
    if (keys.hmac === undefined) throw new ConfigError('auth.secret', `no secret configured for ${alg}`)
    return keys.hmac
  }
  if (config.auth.privateKeyFile === undefined) throw new ConfigError('auth.privateKeyFile', `required to sign ${alg} tokens`)
  return readPemKey(config.auth.privateKeyFile, 'auth.privateKeyFile', createPrivateKey)
}

function readPemKey(path: string, keyPath: string, make: (pem: string) => KeyObject): KeyObject {
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch {
    throw new ConfigError(keyPath, `cannot read key file ${path}`)
  }
  try {
    return make(pem)
  } catch {
    throw new ConfigError(keyPath, `${path} is not a PEM key`)
  }
}

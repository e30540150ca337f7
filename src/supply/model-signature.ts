import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../config/config-error.js'

/** The file beside a model.onnx that holds its detached signature. */
export const SIGNATURE_SUFFIX = '.sig'

/** The ASCII text a model signature covers: `sha256:<hex digest of model.onnx>` (contract.md, "Model supply"). */
function signedText(digestHex: string): Buffer {
  return Buffer.from(`sha256:${digestHex.toLowerCase()}`, 'ascii')
}

/** Signs a model digest with an Ed25519 or ECDSA P-256 private key; base64 (ECDSA: SHA-256, DER). */
export function signModelDigest(privateKey: KeyObject, digestHex: string): string {
  const algorithm = privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256'
  return sign(algorithm, signedText(digestHex), { key: privateKey, dsaEncoding: 'der' }).toString('base64')
}

/** True for the key types a model may be signed with: Ed25519, or ECDSA on P-256. */
export function isModelSigningKey(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ed25519' || (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
}

/**
 * The trusted model-signing keys of `models.trust.publicKeys`. With trust configured, a version
 * is served only when its signature verifies with one of them; this runs on the digest of the
 * bytes already read, before ONNX Runtime ever sees the file.
 */
export class ModelTrust {
  private constructor(private readonly keys: readonly KeyObject[]) {}

  /** Loads the PEM public keys; a missing, unreadable or wrong-type key stops the start (exit 2). */
  static fromFiles(paths: readonly string[]): ModelTrust {
    const keys = paths.map((path, index) => {
      const keyPath = `models.trust.publicKeys.${index}`
      let key: KeyObject
      try {
        key = createPublicKey(readFileSync(path))
      } catch (err) {
        throw new ConfigError(keyPath, `cannot read a PEM public key from ${path} (${(err as NodeJS.ErrnoException).code ?? 'not a public key'})`)
      }
      if (!isModelSigningKey(key)) throw new ConfigError(keyPath, `${path} is neither an Ed25519 nor an ECDSA P-256 key`)
      return key
    })
    return new ModelTrust(keys)
  }

  /** How many keys are trusted. */
  get size(): number {
    return this.keys.length
  }

  /** Why a signature (base64) does not vouch for the digest, or undefined when a trusted key signed it. */
  refusal(digestHex: string, signature: string | undefined): string | undefined {
    if (signature === undefined || signature.trim() === '') return 'the version is not signed (no model.onnx.sig), and models.trust requires a signature'
    const text = signature.trim()
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return 'the signature is not base64'
    const bytes = Buffer.from(text, 'base64')
    const data = signedText(digestHex)
    const trusted = this.keys.some((key) => {
      const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256'
      try {
        return verify(algorithm, data, { key, dsaEncoding: 'der' }, bytes)
      } catch {
        // A malformed DER signature throws instead of answering false; it vouches for nothing either way.
        return false
      }
    })
    return trusted ? undefined : `the signature does not verify with any trusted key (signed by an untrusted key, or over other bytes than sha256:${digestHex})`
  }

  /** `refusal` for a model file on disk, reading the signature from `<modelPath>.sig`. */
  async fileRefusal(modelPath: string, digestHex: string): Promise<string | undefined> {
    let signature: string | undefined
    try {
      signature = await readFile(`${modelPath}${SIGNATURE_SUFFIX}`, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return `model.onnx.sig cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`
    }
    return this.refusal(digestHex, signature)
  }
}

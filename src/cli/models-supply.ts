import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { contentDigestOf } from '../supply/content-digest.js'
import { isModelSigningKey, signModelDigest, SIGNATURE_SUFFIX } from '../supply/model-signature.js'

const USAGE = `usage:
  portcullis models push --url URL --token T --model NAME --version N --file model.onnx [--sig FILE] [--metadata model.yaml] [--replace]
  portcullis models pull --url URL --token T --model NAME --version N|ALIAS --out FILE
  portcullis models sign --key PRIVATE.pem --model-file model.onnx [--out model.onnx.sig]`

/** `portcullis models push|pull|sign`; exit 0 on success, 1 when the gateway refuses, 2 on bad usage. */
export async function modelsSupplyCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      model: { type: 'string' },
      version: { type: 'string' },
      file: { type: 'string' },
      sig: { type: 'string' },
      metadata: { type: 'string' },
      replace: { type: 'boolean', default: false },
      out: { type: 'string' },
      key: { type: 'string' },
      'model-file': { type: 'string' },
    },
    strict: true,
  })
  if (action === 'sign') return signCommand(values.key, values['model-file'], values.out)
  const { url, token, model, version } = values
  if (url === undefined || token === undefined || model === undefined || version === undefined) return usage('--url, --token, --model and --version are required')
  const gateway: Gateway = { url: url.replace(/\/+$/, ''), token, model, version }
  if (action === 'push') return values.file === undefined ? usage('--file is required') : push(gateway, values.file, values.sig, values.metadata, values.replace)
  if (action === 'pull') return values.out === undefined ? usage('--out is required') : pull(gateway, values.out)
  return usage(`unknown action "${action ?? ''}"`)
}

interface Gateway {
  url: string
  token: string
  model: string
  version: string
}

async function push(gateway: Gateway, file: string, sigFile: string | undefined, metadataFile: string | undefined, replace: boolean): Promise<number> {
  const headers = { Authorization: `Bearer ${gateway.token}` }
  const base = `${gateway.url}/api/v1/admin/models/${encodeURIComponent(gateway.model)}`
  if (metadataFile !== undefined) {
    const response = await fetch(`${base}/metadata`, { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/yaml' }, body: readFileSync(metadataFile) })
    if (!response.ok) return refused('model.yaml', response)
    console.log(`model.yaml of ${gateway.model} replaced`)
  }
  const bytes = readFileSync(file)
  const digest = createHash('sha256').update(bytes).digest('hex')
  // A signature beside the file (what `models sign` writes) is sent along unless another is named.
  const signaturePath = sigFile ?? (existsSync(`${file}${SIGNATURE_SUFFIX}`) ? `${file}${SIGNATURE_SUFFIX}` : undefined)
  const signature: Record<string, string> = signaturePath === undefined ? {} : { 'X-Model-Signature': readFileSync(signaturePath, 'utf8').trim() }
  const response = await fetch(`${base}/versions/${encodeURIComponent(gateway.version)}${replace ? '?replace=true' : ''}`, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Digest': contentDigestOf(digest), ...signature },
    body: bytes,
  })
  if (!response.ok) return refused('publish', response)
  const view = (await response.json()) as { status?: string }
  console.log(`published ${gateway.model} version ${gateway.version} (sha256:${digest}, ${view.status ?? 'unknown'})`)
  return 0
}

async function pull(gateway: Gateway, out: string): Promise<number> {
  const response = await fetch(`${gateway.url}/api/v1/models/${encodeURIComponent(gateway.model)}/versions/${encodeURIComponent(gateway.version)}/artifact`, {
    headers: { Authorization: `Bearer ${gateway.token}` },
  })
  if (!response.ok) return refused('download', response)
  const bytes = Buffer.from(await response.arrayBuffer())
  const digest = createHash('sha256').update(bytes).digest('hex')
  const etag = response.headers.get('ETag')
  if (etag !== `"sha256:${digest}"`) {
    console.error(`portcullis: the download does not match its ETag (${etag ?? 'none'}, got sha256:${digest}); nothing written`)
    return 1
  }
  // Written beside the target and renamed, so an interrupted pull never leaves half a model.
  const work = `${out}.partial`
  writeFileSync(work, bytes)
  renameSync(work, out)
  console.log(`wrote ${out} (${bytes.length} bytes, sha256:${digest})`)
  return 0
}

function signCommand(keyFile: string | undefined, modelFile: string | undefined, out: string | undefined): number {
  if (keyFile === undefined || modelFile === undefined) return usage('--key and --model-file are required')
  let key: KeyObject
  try {
    key = createPrivateKey(readFileSync(keyFile))
  } catch (err) {
    console.error(`portcullis: cannot read a PEM private key from ${keyFile} (${(err as NodeJS.ErrnoException).code ?? 'not a private key'})`)
    return 2
  }
  if (!isModelSigningKey(key)) return usage('models are signed with an Ed25519 or ECDSA P-256 key (portcullis keys generate --alg Ed25519)')
  const digest = createHash('sha256').update(readFileSync(modelFile)).digest('hex')
  const target = out ?? `${modelFile}${SIGNATURE_SUFFIX}`
  writeFileSync(target, `${signModelDigest(key, digest)}\n`)
  console.log(`wrote ${target}: signature of sha256:${digest}`)
  return 0
}

/** `keys generate --alg Ed25519`: a model-signing pair, private.pem (0600) and public.pem. */
export function writeModelSigningPair(out: string): number {
  const pair = generateKeyPairSync('ed25519')
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'private.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  writeFileSync(join(out, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 })
  console.log(`wrote private.pem and public.pem to ${out} for Ed25519 (model signing: models.trust.publicKeys)`)
  return 0
}

async function refused(what: string, response: Response): Promise<number> {
  const text = await response.text()
  let message = text.slice(0, 500)
  try {
    const body = JSON.parse(text) as { error?: { message?: string } }
    message = body.error?.message ?? message
  } catch {
    // Not the JSON envelope (a proxy's page, say): the start of the text is shown as it is.
  }
  console.error(`portcullis: ${what} refused with ${response.status}: ${message}`)
  return 1
}

function usage(problem: string): number {
  console.error(`portcullis: ${problem}\n\n${USAGE}`)
  return 2
}

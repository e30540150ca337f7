import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { AuditLog } from '../audit/audit-log.js'
import { ConfigError } from '../config/config-error.js'
import { childProcessEnvironment } from '../config/env.js'
import type { Config } from '../config/schema.js'
import type { ModelRegistry, RegistryOptions } from '../models/registry.js'
import type { SessionOptions } from '../models/version-loader.js'
import { GitClient } from './git-client.js'
import { GitSync } from './git-sync.js'
import { ModelTrust } from './model-signature.js'
import { ModelPublisher } from './publisher.js'

/** The model supply parts of a running gateway. */
export interface Supply {
  publisher: ModelPublisher
  audit: AuditLog
  /** Set when `models.source` is git. */
  git?: { sync: GitSync; webhookSecret: string | undefined; webhookRate: string; maxDeliveryIds: number }
}

/** The trusted model-signing keys, when `models.trust` is configured; a bad key file stops the start. */
export function loadModelTrust(config: Readonly<Config>): ModelTrust | undefined {
  return config.models.trust === undefined ? undefined : ModelTrust.fromFiles(config.models.trust.publicKeys)
}

/** The registry's admission check for signed models: refusals are audited with their reason. */
export function signatureAdmission(trust: ModelTrust | undefined, audit: AuditLog): RegistryOptions['admit'] {
  if (trust === undefined) return undefined
  return async (name, version, path, digest) => {
    const refusal = await trust.fileRefusal(path, digest)
    if (refusal !== undefined) audit.record({ actor: 'repository', action: 'signature', model: name, version, digest: `sha256:${digest}`, outcome: 'refused', reason: refusal })
    return refusal
  }
}

/** Builds the publisher and, for `models.source: git`, the git sync (not started). */
export function createSupply(
  config: Readonly<Config>,
  parts: { registry: ModelRegistry; audit: AuditLog; trust?: ModelTrust; sessionOptions: Omit<SessionOptions, 'threads'> },
): Supply {
  const dir = resolve(config.models.dir)
  const publisher = new ModelPublisher({ dir, registry: parts.registry, audit: parts.audit, trust: parts.trust, sessionOptions: parts.sessionOptions })
  const git = config.models.git
  if (config.models.source !== 'git' || git === undefined) return { publisher, audit: parts.audit }
  mkdirSync(dir, { recursive: true })
  const checkoutDir = resolve(git.checkoutDir)
  mkdirSync(dirname(checkoutDir), { recursive: true })
  if (checkoutDir === dir || checkoutDir.startsWith(`${dir}/`)) throw new ConfigError('models.git.checkoutDir', 'the clone may not live inside models.dir')
  const token = git.token !== undefined && git.token !== '' ? git.token : readSecretFile('models.git.tokenFile', git.tokenFile)
  const client = new GitClient(
    { url: git.url, branch: git.branch, token, username: git.username, sshKeyFile: git.sshKeyFile, knownHostsFile: git.knownHostsFile, timeoutMs: git.timeoutMs },
    checkoutDir,
    childProcessEnvironment(),
  )
  const sync = new GitSync({
    pull: () => client.pull(),
    checkoutDir,
    path: git.path,
    dir,
    publisher,
    audit: parts.audit,
    pollIntervalMs: git.pollIntervalMs,
    lockTimeoutMs: git.timeoutMs * 2,
  })
  const webhookSecret = git.webhookSecret !== undefined && git.webhookSecret !== '' ? git.webhookSecret : readSecretFile('models.git.webhookSecretFile', git.webhookSecretFile)
  return { publisher, audit: parts.audit, git: { sync, webhookSecret, webhookRate: git.webhookRate, maxDeliveryIds: git.maxDeliveryIds } }
}

function readSecretFile(keyPath: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new ConfigError(keyPath, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

import { ConfigError } from './config-error.js'
import type { Config } from './schema.js'

/**
 * Refuses model supply configs that cannot work or would be unsafe: `models.source: git` without
 * `models.git`, and, in staging and production, `models.trust` with no key (every version would be
 * refused, or an operator meant to require signatures and listed none).
 */
export function checkSupplyRules(config: Config): void {
  const { models } = config
  if (models.source === 'git' && models.git === undefined) {
    throw new ConfigError('models.git', 'models.source is git, so models.git needs at least a url')
  }
  if (models.git?.token !== undefined && models.git.token !== '' && models.git.tokenFile !== undefined) {
    throw new ConfigError('models.git.tokenFile', 'set either models.git.token or models.git.tokenFile, not both')
  }
  if (config.env !== 'production' && config.env !== 'staging') return
  if (models.trust !== undefined && models.trust.publicKeys.length === 0) {
    throw new ConfigError('models.trust.publicKeys', `models.trust is configured with no public key; ${config.env} refuses to start without one`)
  }
}

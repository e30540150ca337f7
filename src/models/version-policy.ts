import { z } from 'zod'

const versionNumber = z.union([z.string().regex(/^[1-9]\d*$/), z.number().int().positive()]).transform(String)

/**
 * Which versions of a model serve, with Triton's names (model_configuration.md, "Version
 * Policy"): `all`, `latest` (the newest one), `{latest: N}`, or `{specific: [1, 3]}`.
 */
export const versionPolicySchema = z.union([
  z.literal('all'),
  z.literal('latest'),
  z.strictObject({ latest: z.number().int().positive() }),
  z.strictObject({ specific: z.array(versionNumber).min(1) }),
])

/** A parsed version policy. */
export type VersionPolicy = z.infer<typeof versionPolicySchema>

/** The versions a policy lets serve, newest first, and how many of them may serve at once. */
export interface VersionPlan {
  /** Versions to try, newest first. */
  candidates: string[]
  /** Versions that stay out (status `inactive`). */
  excluded: string[]
  /** The most that serve together; under `latest: N` a version that fails to load does not count. */
  limit: number
}

/**
 * Plans the versions on disk under a policy. `latest: N` walks the versions newest first and
 * stops at N that load, so a broken new version never retires the working one before it.
 */
export function planVersions(policy: VersionPolicy, onDisk: Iterable<string>): VersionPlan {
  const newestFirst = [...onDisk].sort((a, b) => Number(b) - Number(a))
  if (policy === 'all') return { candidates: newestFirst, excluded: [], limit: Infinity }
  if (policy === 'latest') return { candidates: newestFirst, excluded: [], limit: 1 }
  if ('latest' in policy) return { candidates: newestFirst, excluded: [], limit: policy.latest }
  const wanted = new Set(policy.specific)
  return {
    candidates: newestFirst.filter((version) => wanted.has(version)),
    excluded: newestFirst.filter((version) => !wanted.has(version)),
    limit: Infinity,
  }
}

/** The policy in words, for status reasons and logs. */
export function describePolicy(policy: VersionPolicy): string {
  if (typeof policy === 'string') return policy
  if ('latest' in policy) return `latest ${policy.latest}`
  return `specific [${policy.specific.join(', ')}]`
}

/** The version number a reference names: an alias from model.yaml, else the reference itself. */
export function resolveAlias(aliases: Readonly<Record<string, string>> | undefined, ref: string): string {
  return aliases !== undefined && Object.hasOwn(aliases, ref) ? (aliases[ref] ?? ref) : ref
}

import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { batchingOverrideSchema } from '../config/schema.js'
import { versionPolicySchema } from './version-policy.js'

const versionRef = z.union([z.string().regex(/^[1-9]\d*$/), z.number().int().positive()]).transform(String)

const ALIAS = /^[a-z][a-z0-9_-]*$/

/** A version number or an alias name. */
const versionOrAlias = z.union([versionRef, z.string().regex(ALIAS, 'expected a version number or an alias')])

const percent = z.number().min(0).max(100)

const featureSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'feature names are identifiers'),
  description: z.string().optional(),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
})

/** model.yaml: what the ONNX file cannot say (contract.md, "Model repository"). */
export const modelMetadataSchema = z.strictObject({
  description: z.string().optional(),
  features: z.array(featureSchema).min(1).optional(),
  labels: z.array(z.string()).min(1).optional(),
  /** Which ONNX outputs hold the class index and the class probabilities. */
  outputs: z.strictObject({ label: z.string().optional(), probabilities: z.string().optional() }).optional(),
  /** `reject` answers 400 for a missing value; a number replaces it. */
  nanPolicy: z.union([z.literal('reject'), z.number()]).default('reject'),
  /** Roles allowed to call the model; every role with the predict permission when omitted. */
  roles: z.array(z.string()).optional(),
  defaultVersion: versionOrAlias.optional(),
  aliases: z.record(z.string().regex(ALIAS), versionRef).optional(),
  /** Which versions serve (Triton's names); every version on disk by default. */
  versionPolicy: versionPolicySchema.default('all'),
  /** Sends `weight` percent of subjects (sticky, by a hash of the subject) to `version` when no version is named. */
  canary: z.strictObject({ version: versionOrAlias, weight: percent }).optional(),
  /** Mirrors `weight` percent of requests to `version` off the request path and compares its answers. */
  shadow: z.strictObject({ version: versionOrAlias, weight: percent.default(100) }).optional(),
  /** Expected SHA-256 (hex) of each version's model.onnx; a mismatch refuses the load. */
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/i)).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
  /** A few valid input rows (one value per feature), shown by the console as ready-made inputs. */
  examples: z.array(z.array(z.number())).max(32).optional(),
  /** Sampled JSON Lines of inputs and outputs (config `drift.payloadLogDir`); off when absent. */
  payloadLog: z.strictObject({
    /** Share of requests logged, 0 to 1. */
    sampleRate: z.number().min(0).max(1).default(1),
    /** Feature or output names (`label`, `probabilities`) left out of every line. */
    redact: z.array(z.string()).default([]),
    /** Size at which the file is rotated, and how many rotated files are kept. */
    maxBytes: z.number().int().min(1024).default(10 * 1024 * 1024),
    maxFiles: z.number().int().min(1).max(100).default(5),
  }).optional(),
  /** Overrides of the config's `inference.batching` for this model (Triton's dynamic_batching). */
  batching: batchingOverrideSchema.optional(),
})

/** Parsed model.yaml. */
export type ModelMetadata = z.infer<typeof modelMetadataSchema>

/** The metadata of a bare model with no model.yaml. */
export const BARE_METADATA: ModelMetadata = Object.freeze(modelMetadataSchema.parse({}))

/** Reads and validates a model.yaml; the error message names the offending key. */
export async function readModelMetadata(path: string): Promise<ModelMetadata> {
  return parseModelMetadata(await readFile(path, 'utf8'))
}

/** Parses and validates model.yaml text (a published one, before it is written); the error names the key. */
export function parseModelMetadata(text: string): ModelMetadata {
  const document: unknown = parseYaml(text)
  const parsed = modelMetadataSchema.safeParse(document ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')
    throw new Error(`model.yaml ${key}: ${issue?.message ?? 'invalid'}`)
  }
  const { features } = parsed.data
  if (features !== undefined && new Set(features.map((f) => f.name)).size !== features.length) {
    throw new Error('model.yaml features: names must be unique')
  }
  checkAliasRefs(parsed.data)
  return parsed.data
}

// A name that is not a number must be one of the model's aliases, or the reference goes nowhere.
function checkAliasRefs(metadata: ModelMetadata): void {
  const refs = { defaultVersion: metadata.defaultVersion, 'canary.version': metadata.canary?.version, 'shadow.version': metadata.shadow?.version }
  for (const [key, ref] of Object.entries(refs)) {
    if (ref !== undefined && !/^\d+$/.test(ref) && !Object.hasOwn(metadata.aliases ?? {}, ref)) {
      throw new Error(`model.yaml ${key}: "${ref}" is neither a version number nor an alias`)
    }
  }
}

import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

const versionRef = z.union([z.string().regex(/^[1-9]\d*$/), z.number().int().positive()]).transform(String)

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
  defaultVersion: versionRef.optional(),
  aliases: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/), versionRef).optional(),
  /** Expected SHA-256 (hex) of each version's model.onnx; a mismatch refuses the load. */
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/i)).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
})

/** Parsed model.yaml. */
export type ModelMetadata = z.infer<typeof modelMetadataSchema>

/** The metadata of a bare model with no model.yaml. */
export const BARE_METADATA: ModelMetadata = Object.freeze(modelMetadataSchema.parse({}))

/** Reads and validates a model.yaml; the error message names the offending key. */
export async function readModelMetadata(path: string): Promise<ModelMetadata> {
  const document: unknown = parseYaml(await readFile(path, 'utf8'))
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
  return parsed.data
}

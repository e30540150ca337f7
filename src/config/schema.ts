import { z } from 'zod'

/** `100/minute`, `10/second`, `5000/hour`: a request count per window. */
export const RATE_PATTERN = /^(\d+)\s*\/\s*(second|minute|hour|day)$/

const rate = z.string().regex(RATE_PATTERN, 'expected "<count>/<second|minute|hour|day>", e.g. "100/minute"')

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Behind a proxy, honour X-Forwarded-For; off by default so a client cannot spoof its address. */
  trustProxy: z.boolean().default(false),
  headersTimeoutMs: z.number().int().positive().default(10_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  keepAliveTimeoutMs: z.number().int().positive().default(5_000),
  maxInFlight: z.number().int().positive().default(1024),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  cors: z.strictObject({ origins: z.array(z.string()).default([]), credentials: z.boolean().default(false) }).default({ origins: [], credentials: false }),
})

const limitsSchema = z.strictObject({
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  maxRows: z.number().int().positive().default(1024),
  maxTokenBytes: z.number().int().positive().default(8192),
  maxJsonDepth: z.number().int().positive().default(32),
  maxArrayLength: z.number().int().positive().default(65_536),
})

const algorithm = z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'])

const authSchema = z.strictObject({
  enabled: z.boolean().default(true),
  algorithms: z.array(algorithm).min(1).default(['HS256']),
  /** HS* shared secret; in development a random one is made per start when none is given. */
  secret: z.string().optional(),
  /** PEM file with the public key for RS*, PS* or ES* tokens. */
  publicKeyFile: z.string().optional(),
  /** PEM file with the private key, used only by `portcullis token`. */
  privateKeyFile: z.string().optional(),
  issuer: z.string().optional(),
  audience: z.string().optional(),
  /** Dotted path of the roles claim: `roles`, `realm_access.roles`, or `scope` (space-separated). */
  rolesClaim: z.string().min(1).default('roles'),
  clockToleranceSeconds: z.number().int().min(0).default(30),
  maxTokenLifetimeSeconds: z.number().int().positive().default(86_400),
  /** Print demo tokens at start; honoured only in development. */
  printDemoTokens: z.boolean().default(false),
})

const permission = z.enum(['predict', 'models:read', 'models:admin', 'tokens:admin', 'metrics:read'])

const rbacSchema = z.strictObject({
  roles: z.record(z.string(), z.array(permission)).default({
    user: ['predict', 'models:read'],
    admin: ['predict', 'models:read', 'models:admin', 'tokens:admin', 'metrics:read'],
    metrics: ['metrics:read'],
  }),
})

const rateLimitSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Per authenticated subject. */
  default: rate.default('100/minute'),
  /** Per client address, before authentication. */
  anonymous: rate.default('300/minute'),
  redisUrl: z.string().optional(),
})

const modelsSchema = z.strictObject({
  dir: z.string().min(1).default('./models'),
  /** The model `POST /api/v1/predict` uses. */
  default: z.string().min(1).default('iris'),
})

const loggingSchema = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
})

/** The whole configuration, as validated at start. */
export const configSchema = z.strictObject({
  env: z.enum(['development', 'test', 'staging', 'production']).default('development'),
  server: serverSchema.default(serverSchema.parse({})),
  limits: limitsSchema.default(limitsSchema.parse({})),
  auth: authSchema.default(authSchema.parse({})),
  rbac: rbacSchema.default(rbacSchema.parse({})),
  rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
  models: modelsSchema.default(modelsSchema.parse({})),
  logging: loggingSchema.default(loggingSchema.parse({})),
})

/** The validated, frozen configuration handed down from the loader. */
export type Config = z.infer<typeof configSchema>

/** A permission name of the RBAC map. */
export type Permission = z.infer<typeof permission>

/** A JWT algorithm name. */
export type JwtAlgorithm = z.infer<typeof algorithm>

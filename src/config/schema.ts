import { z } from 'zod'

/** `100/minute`, `10/second`, `5000/hour`: a request count per window. */
export const RATE_PATTERN = /^(\d+)\s*\/\s*(second|minute|hour|day)$/

const rate = z.string().regex(RATE_PATTERN, 'expected "<count>/<second|minute|hour|day>", e.g. "100/minute"')

const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /**
   * Behind a proxy, honour X-Forwarded-For; off by default so a client cannot spoof its address.
   * `true` trusts one proxy hop; a number trusts that many hops (the rightmost entries).
   */
  trustProxy: z.union([z.boolean(), z.number().int().positive()]).default(false),
  headersTimeoutMs: z.number().int().positive().default(10_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  keepAliveTimeoutMs: z.number().int().positive().default(5_000),
  maxInFlight: z.number().int().positive().default(1024),
  /** Worker processes (node:cluster); `auto` is one per core. */
  workers: z.union([z.literal('auto'), z.number().int().positive()]).default(1),
  /** On SIGTERM, how long in-flight requests may take to finish before their connections are cut. */
  shutdownTimeoutMs: z.number().int().positive().default(30_000),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  cors: z.strictObject({ origins: z.array(z.string()).default([]), credentials: z.boolean().default(false) }).default({ origins: [], credentials: false }),
})

/** Staging/production refusals an operator may accept explicitly by listing the key under `allowUnsafe`. */
export const UNSAFE_SETTING_KEYS = ['auth.clockToleranceSeconds', 'auth.maxTokenLifetimeSeconds', 'auth.issuer', 'rateLimit.enabled', 'metrics.host'] as const

/** One of UNSAFE_SETTING_KEYS. */
export type UnsafeSettingKey = (typeof UNSAFE_SETTING_KEYS)[number]

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
  /** The secret being rolled out of service: still accepted for HS* tokens, never used to sign. */
  previousSecret: z.string().optional(),
  /** PEM file with the public key for RS*, PS* or ES* tokens. */
  publicKeyFile: z.string().optional(),
  /** PEM file with the private key, used only by `portcullis token`. */
  privateKeyFile: z.string().optional(),
  /** JWKS file (RFC 7517) of public keys, selected by the token's `kid`. */
  jwksFile: z.string().optional(),
  /** JWKS URL of an identity provider; fetched at start, refreshed on an unknown `kid` (at most every 30 s). */
  jwksUri: z.url({ protocol: /^https?$/ }).optional(),
  issuer: z.string().optional(),
  audience: z.string().optional(),
  /** Dotted path of the roles claim: `roles`, `realm_access.roles`, or `scope` (space-separated). */
  rolesClaim: z.string().min(1).default('roles'),
  clockToleranceSeconds: z.number().int().min(0).default(30),
  maxTokenLifetimeSeconds: z.number().int().positive().default(86_400),
  /** Verified tokens remembered until their exp, at most 5 minutes (revocation is still checked every time); 0 turns it off. */
  tokenCacheSize: z.number().int().min(0).default(10_000),
  /** Print demo tokens at start; honoured only in development. */
  printDemoTokens: z.boolean().default(false),
  /**
   * Refuse tokens without a string `jti` (401): only such tokens can be revoked. On in staging and
   * production; a non-string `jti` is refused whatever this says.
   */
  requireJti: z.boolean().default(false),
})

const permission = z.enum(['predict', 'models:read', 'models:admin', 'models:download', 'tokens:admin', 'metrics:read'])

const rbacSchema = z.strictObject({
  roles: z.record(z.string(), z.array(permission)).default({
    user: ['predict', 'models:read'],
    admin: ['predict', 'models:read', 'models:admin', 'models:download', 'tokens:admin', 'metrics:read'],
    metrics: ['metrics:read'],
  }),
})

const rateLimitSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Per authenticated subject. */
  default: rate.default('100/minute'),
  /** Per subject on predict and infer routes; `default` when unset. */
  predict: rate.optional(),
  /** Per subject on /api/v1/admin routes; `default` when unset. */
  admin: rate.optional(),
  /** Per client address, for public routes and requests without credentials. */
  anonymous: rate.default('300/minute'),
  /** Failed authentications per client address; past it, a wrong token gets 429 instead of 401 (valid ones still pass). */
  authFailures: rate.default('20/minute'),
  /** Shared store for limits and revoked token ids across replicas. */
  redisUrl: z.string().optional(),
  /** Prefix of every Redis key this gateway writes. */
  redisKeyPrefix: z.string().min(1).default('portcullis'),
  /** Longest wait for one Redis command (Kong's default, 2 s); past it the request is answered 503, never held. */
  redisCommandTimeoutMs: z.number().int().positive().default(2000),
  /** Identities tracked by the in-memory store; the oldest are dropped past it. */
  maxTrackedIdentities: z.number().int().positive().default(100_000),
})

/** `models.git`: the repository `models.source: git` syncs from, and the webhook that triggers a sync. */
const gitSourceSchema = z.strictObject({
  /** Any git remote: https://, ssh:// or user@host:path, file://. */
  url: z.string().min(1),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'expected a branch name')
    .default('main'),
  /** Folder inside the repository laid out as a model repository. */
  path: z.string().default('.'),
  /** Where the clone lives; never inside models.dir. */
  checkoutDir: z.string().min(1).default('./.portcullis/git'),
  /** Time between scheduled pulls; 0 pulls only at start and on the webhook. */
  pollIntervalMs: z.number().int().min(0).default(300_000),
  /** HTTPS credentials: a token (e.g. `${GIT_TOKEN}`) or a file holding one; sent as basic auth with `username`. */
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  username: z.string().min(1).default('x-access-token'),
  /** SSH credentials: a private key file, and the known_hosts file the host key must be in. */
  sshKeyFile: z.string().optional(),
  knownHostsFile: z.string().optional(),
  /** Secret of `POST /api/v1/hooks/git` (GitHub's HMAC key, or GitLab's token); the route answers 401 to all without it. */
  webhookSecret: z.string().optional(),
  webhookSecretFile: z.string().optional(),
  /** Webhook calls per client address. */
  webhookRate: rate.default('30/minute'),
  /** Delivery ids remembered to refuse replays. */
  maxDeliveryIds: z.number().int().positive().default(10_000),
  /** A pull that takes longer is stopped. */
  timeoutMs: z.number().int().positive().default(120_000),
})

const modelsSchema = z.strictObject({
  dir: z.string().min(1).default('./models'),
  /** The model `POST /api/v1/predict` uses. */
  default: z.string().min(1).default('iris'),
  /** Poll the repository and load new, changed and removed models without a restart. */
  watch: z.boolean().default(true),
  pollIntervalMs: z.number().int().positive().default(1000),
  /** A model's files must keep their size and mtime this long before they are loaded (a copy in progress is not). */
  stableMs: z.number().int().min(0).default(2000),
  /** How long a replaced or removed version's session stays open for requests still running on it. */
  drainMs: z.number().int().min(0).default(30_000),
  /** Shadow copies running at once; more are dropped and counted, never queued. */
  shadowMaxInFlight: z.number().int().positive().default(4),
  // Model supply (publish, download, git source, signatures): see src/supply/.
  /** Where versions come from besides publishing: the directory alone, or a git repository synced into it. */
  source: z.enum(['directory', 'git']).default('directory'),
  /** The largest ONNX file `PUT /api/v1/admin/models/{name}/versions/{version}` accepts. */
  maxUploadBytes: z.number().int().positive().default(268_435_456),
  git: gitSourceSchema.optional(),
  /** Signed models: with this set, a version serves only with a valid `model.onnx.sig` by one of these keys. */
  trust: z.strictObject({ publicKeys: z.array(z.string().min(1)) }).optional(),
})

const metricsSchema = z.strictObject({
  /** A second listener that serves GET /metrics without a token; none when unset (0 picks a free port). */
  port: z.coerce.number().int().min(0).max(65535).optional(),
  /** Its address; `server.host` when unset. Keep it off the public network. */
  host: z.string().min(1).optional(),
})

const cacheSchema = z.strictObject({
  enabled: z.boolean().default(true),
  maxEntries: z.number().int().positive().default(10_000),
  /** Estimated bytes of keys and answers together; answers larger than 1/16 of it are not kept. */
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** Answers expire after this long; 0 keeps them until evicted (a new version has new keys anyway). */
  ttlMs: z.number().int().min(0).default(0),
})

const batchingFields = {
  enabled: z.boolean(),
  /** Rows merged into one session run; a larger request runs alone. */
  maxBatchSize: z.number().int().positive(),
  /** How long a request may wait for others to join; 0 merges what arrives while the previous run works. */
  maxQueueDelayMicroseconds: z.number().int().min(0).max(1_000_000),
  /** Requests waiting per version; past it, 503 with Retry-After. */
  maxQueueSize: z.number().int().positive(),
}

/** Triton's dynamic batcher (batcher.md), per model version. */
const batchingSchema = z.strictObject({
  enabled: batchingFields.enabled.default(true),
  maxBatchSize: batchingFields.maxBatchSize.default(64),
  maxQueueDelayMicroseconds: batchingFields.maxQueueDelayMicroseconds.default(0),
  maxQueueSize: batchingFields.maxQueueSize.default(256),
})

/** model.yaml `batching`: a per-model override of some or all of the config's batching keys. */
export const batchingOverrideSchema = z.strictObject(batchingFields).partial()

const inferenceSchema = z.strictObject({
  /** ONNX Runtime threads inside one operator; 1 suits one worker per core. */
  intraOpNumThreads: z.number().int().positive().default(1),
  interOpNumThreads: z.number().int().positive().default(1),
  graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  /** Inference threads for slow versions (see threadAboveMicroseconds); 0 keeps every session on the event loop. */
  threads: z.number().int().min(0).max(64).default(1),
  /** A version whose one-row warm-up run takes at least this long computes on an inference thread; 0: every version. */
  threadAboveMicroseconds: z.number().int().min(0).default(1000),
  batching: batchingSchema.default(batchingSchema.parse({})),
})

/** The admin audit list (src/audit/): how many recent entries `GET /api/v1/admin/audit` keeps. */
const auditSchema = z.strictObject({
  maxEntries: z.number().int().positive().default(1000),
})

/** How the processes of one gateway (workers, replicas) share state (src/control, src/config/fleet-rules.ts). */
const fleetSchema = z.strictObject({
  /** Replicas the deployment runs (docker-compose, Kubernetes); above 1 in staging/production a shared store is required. */
  replicas: z.number().int().positive().default(1),
  /** Accept per-process rate limits, revocations and model control where a shared store would be required. */
  allowPerProcessState: z.boolean().default(false),
  /** Each process reads the whole control state from Redis this often, besides its change notifications. */
  resyncMs: z.number().int().positive().default(5000),
})

const loggingSchema = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
})

/**
 * What one process lets callers hold at once, so no anonymous client can starve it (README,
 * "Budgets"). Connections are counted per peer address; requests in flight before they are
 * authenticated (and requests to public routes) per client address and in all; body bytes
 * buffered across all requests.
 */
const budgetsSchema = z.strictObject({
  /** Open connections in all (node's server.maxConnections); more are closed at accept. */
  maxConnections: z.number().int().positive().default(8192),
  /** Open connections from one peer address; more are closed at accept. Not applied behind a trusted proxy (server.trustProxy). */
  maxConnectionsPerAddress: z.number().int().positive().default(256),
  /** Requests in flight that are not authenticated (yet), from all addresses; past it 503. server.maxInFlight stays for authenticated ones. */
  maxAnonymousInFlight: z.number().int().positive().default(256),
  /** The same from one client address. */
  maxAnonymousInFlightPerAddress: z.number().int().positive().default(32),
  /** Request body bytes held in memory at once, across all requests; past it 503 with Retry-After. */
  maxBufferedBodyBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
})

const driftSchema = z.strictObject({
  /** Recent rows kept per served version with a reference profile, for PSI and means. */
  windowSize: z.number().int().min(10).max(1_000_000).default(1000),
  /** A feature's PSI below `warn` is ok, up to `alert` is warn, above is alert. */
  thresholds: z
    .strictObject({ warn: z.number().positive().default(0.1), alert: z.number().positive().default(0.25) })
    .refine((t) => t.warn <= t.alert, 'drift.thresholds.warn must not exceed alert')
    .default({ warn: 0.1, alert: 0.25 }),
  /** Where models with `payloadLog` in model.yaml write their JSON Lines (one file set per model). */
  payloadLogDir: z.string().min(1).default('./payload-logs'),
})

// ---- streams: the MQTT and NATS JetStream doors (src/streams/) ----

const streamNamePattern = /^[A-Za-z0-9_-]{1,64}$/

const streamBrokerSchema = z.strictObject({
  kind: z.enum(['mqtt', 'nats']),
  /** `mqtt://host:1883`, `mqtts://…`, or `nats://host:4222`. */
  url: z.string().min(1),
  /** Strings may use ${VAR}; `passwordFile` reads the password from a file (a mounted secret). */
  credentials: z
    .strictObject({
      username: z.string().min(1).optional(),
      password: z.string().optional(),
      passwordFile: z.string().min(1).optional(),
    })
    .optional(),
  tls: z
    .strictObject({
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  /** MQTT: the client id of the input session (persistent, so it must stay the same); `portcullis-<name>` when unset. */
  clientId: z.string().min(1).max(128).optional(),
  /** MQTT: subscribe as `$share/<group>/<input>`, so replicas split the messages. */
  shareGroup: z.string().regex(streamNamePattern).optional(),
  /** NATS: the JetStream stream holding the input (created when missing) and the durable consumer's name. */
  stream: z.string().regex(streamNamePattern).optional(),
  outputStream: z.string().regex(streamNamePattern).optional(),
  durable: z.string().regex(streamNamePattern).optional(),
})

const streamSchema = z.strictObject({
  name: z.string().regex(streamNamePattern, 'letters, digits, "-" and "_", at most 64'),
  broker: streamBrokerSchema,
  /** MQTT topic or NATS subject of the messages in. */
  input: z.string().min(1),
  output: z.string().min(1),
  deadLetter: z.string().min(1),
  model: z.string().min(1),
  /** A version number or alias; the model's routing when unset. */
  version: z.string().min(1).optional(),
  /** Messages may name `model` / `version` (still checked against the identity's roles). */
  allowModelChoice: z.boolean().default(false),
  /** Whom the stream acts as when a message carries no token. */
  identity: z.strictObject({ sub: z.string().min(1), roles: z.array(z.string().min(1)).default([]) }),
  /** Every message must carry a `token`, verified like an HTTP bearer token. */
  requireToken: z.boolean().default(false),
  /** Messages being scored or published at once; more wait in the broker. */
  maxInFlight: z.number().int().positive().max(65_536).default(256),
  /** Larger messages go to the dead letter, truncated to this size. */
  maxMessageBytes: z.number().int().positive().default(1_048_576),
  /** A down broker makes /readyz answer 503; by default it is only reported (HTTP keeps serving). */
  holdsReadiness: z.boolean().default(false),
})

const streamsSchema = z
  .array(streamSchema)
  .default([])
  .refine((streams) => new Set(streams.map((stream) => stream.name)).size === streams.length, 'stream names must be unique')

/** One entry of the `streams:` list. */
export type StreamConfig = z.infer<typeof streamSchema>

// ---- end of streams ----

/** The whole configuration, as validated at start. */
export const configSchema = z.strictObject({
  env: z.enum(['development', 'test', 'staging', 'production']).default('development'),
  server: serverSchema.default(serverSchema.parse({})),
  budgets: budgetsSchema.default(budgetsSchema.parse({})),
  limits: limitsSchema.default(limitsSchema.parse({})),
  auth: authSchema.default(authSchema.parse({})),
  rbac: rbacSchema.default(rbacSchema.parse({})),
  rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
  models: modelsSchema.default(modelsSchema.parse({})),
  logging: loggingSchema.default(loggingSchema.parse({})),
  metrics: metricsSchema.default(metricsSchema.parse({})),
  cache: cacheSchema.default(cacheSchema.parse({})),
  inference: inferenceSchema.default(inferenceSchema.parse({})),
  /** Production refusals accepted on purpose (README, "Production refusals"); each is logged at start. */
  allowUnsafe: z.array(z.enum(UNSAFE_SETTING_KEYS)).default([]),
  audit: auditSchema.default(auditSchema.parse({})),
  fleet: fleetSchema.default(fleetSchema.parse({})),
  drift: driftSchema.default(driftSchema.parse({})),
  streams: streamsSchema,
})

/** The validated, frozen configuration handed down from the loader. */
export type Config = z.infer<typeof configSchema>

/** A permission name of the RBAC map. */
export type Permission = z.infer<typeof permission>

/** A JWT algorithm name. */
export type JwtAlgorithm = z.infer<typeof algorithm>

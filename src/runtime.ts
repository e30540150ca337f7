import { resolve } from 'node:path'
import type { Server } from 'node:http'
import type Koa from 'koa'
import type { Config } from './config/schema.js'
import type { Control } from './control/control.js'
import { registerControlMetrics } from './control/control-metrics.js'
import { createControl } from './control/create-control.js'
import { buildCoreParts, connectSharedStore, revocationStoreOf, type CoreParts, type SharedStore } from './core-parts.js'
import { createApp } from './http/app.js'
import { createServer, listen } from './http/server.js'
import type { AppState } from './http/state.js'
import type { ModelRegistry } from './models/registry.js'
import { RepositoryWatcher } from './models/watcher.js'
import { createScrape } from './observability/cluster-metrics.js'
import { createLogger, type Logger } from './observability/logger.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { createMetricsServer } from './observability/metrics-server.js'
import { loadVerificationKeys, type VerificationKeys } from './security/keys.js'
import { StreamSet } from './streams/stream-set.js'
import { createSupply, type Supply } from './supply/supply.js'
/** A running gateway. */
export interface Runtime {
  server: Server
  port: number
  app: Koa<AppState>
  /** The port of the open metrics listener, when `metrics.port` is configured. */
  metricsPort?: number
  keys: VerificationKeys
  registry: ModelRegistry
  /** Model changes shared by every worker and replica. */
  control: Control
  logger: Logger
  /** Publish, delete, audit and the git source (src/supply/). */
  supply: Supply
  /** The configured `streams:`, when there are any (started once the models were tried). */
  streams?: StreamSet
  /** Resolves once every model has been tried. */
  modelsLoaded: Promise<void>
  close(): Promise<void>
}

/** How startRuntime orders listening and loading. */
export interface RuntimeOptions {
  /**
   * Listen only once every model has been tried. A cluster worker does this: the primary already
   * holds the port, and a worker that listened early would answer 503 beside ready siblings.
   */
  listenAfterLoad?: boolean
  /** Run the configured streams in this process (default true; cluster workers leave them to one process). */
  streams?: boolean
}

/** Builds every part from the config, listens, then loads models (readiness stays 503 until done). */
export async function startRuntime(config: Readonly<Config>, logger = createLogger({ level: config.logging.level }), options: RuntimeOptions = {}): Promise<Runtime> {
  const metrics = createMetrics()
  const keys = loadVerificationKeys(config)
  const store = connectSharedStore(config, logger, metrics)
  const parts = buildCoreParts(config, logger, metrics)
  const { registry, rowDoor, tensorDoor, drift, audit } = parts
  const supply = createSupply(config, { registry, audit, trust: parts.trust, sessionOptions: parts.sessionOptions })
  const revocations = revocationStoreOf(config, store)
  const control = shareControl(config, logger, metrics, parts, supply)
  const scrape = createScrape(metrics.registry)
  const streams = config.streams.length === 0 || options.streams === false ? undefined : new StreamSet({ config, registry, rowDoor, metrics, keys, revocations, logger })
  const app = createApp({
    config,
    logger,
    metrics,
    registry,
    rowDoor,
    tensorDoor,
    drift,
    keys,
    revocations,
    redis: store?.redis,
    storeHealth: store?.health,
    control,
    scrape,
    audit,
    supply,
    streams,
  })
  app.on('error', (err: Error) => logger.debug('connection error', { error: err.message }))
  const watcher = watchRepository(config, logger, registry)
  const modelsLoaded = loadModels(config, logger, { control, watcher, registry, supply })
  // A message taken before the models were tried would find no model: streams start after.
  const streamsStarted = streams === undefined ? undefined : modelsLoaded.then(() => streams.start())
  if (options.listenAfterLoad === true) await modelsLoaded
  const server = createServer(app, config)
  const port = await listen(server, config.server.host, config.server.port).catch(async (err: unknown) => {
    await watcher?.stop()
    throw err
  })
  logStart(config, logger, port)
  const metricsListener = await listenForMetrics(config, logger, metrics.registry, scrape).catch((err: unknown) => {
    server.close()
    throw err
  })
  return {
    server,
    port,
    app,
    metricsPort: metricsListener?.port,
    keys,
    registry,
    control,
    logger,
    supply,
    modelsLoaded,
    streams,
    close: () => closeRuntime(config.server.shutdownTimeoutMs, { server, streams, streamsStarted, watcher, supply, control, parts, metricsListener, store }),
  }
}

/** What a running gateway holds, each part stopped by closeRuntime. */
interface RunningParts {
  server: Server
  streams: StreamSet | undefined
  streamsStarted: Promise<void> | undefined
  watcher: RepositoryWatcher | undefined
  supply: Supply
  control: Control
  parts: CoreParts
  metricsListener: { close(): Promise<void> } | undefined
  store: SharedStore | undefined
}

/** Stops a running gateway: streams stop taking and settle what they hold while HTTP drains, then the rest in order. */
async function closeRuntime(timeoutMs: number, running: RunningParts): Promise<void> {
  const { server, streams, streamsStarted, watcher, supply, control, parts, metricsListener, store } = running
  const streamsStopped = streamsStarted?.then(() => streams?.stop(timeoutMs))
  await drainServer(server, timeoutMs)
  await streamsStopped
  await watcher?.stop()
  await supply.git?.sync.stop()
  await control.close()
  await parts.close()
  await metricsListener?.close()
  store?.close()
}

/** The repository watcher, when `models.watch` is on: a change on disk reaches the registry. */
function watchRepository(config: Readonly<Config>, logger: Logger, registry: ModelRegistry): RepositoryWatcher | undefined {
  if (!config.models.watch) return undefined
  const { pollIntervalMs, stableMs } = config.models
  return new RepositoryWatcher({ dir: resolve(config.models.dir), pollIntervalMs, stableMs, logger, onChange: (name, source) => registry.sync(name, source) })
}

/** What loadModels works through, in order. */
interface ModelSources {
  control: Control
  watcher: RepositoryWatcher | undefined
  registry: ModelRegistry
  supply: Supply
}

/**
 * Tries every model; resolves once all were tried, and never rejects. The control state comes
 * first, so a model deactivated fleet-wide never serves here; the watcher's first snapshot comes
 * before the full load, so a change made meanwhile is seen; the git source pulls last.
 */
function loadModels(config: Readonly<Config>, logger: Logger, { control, watcher, registry, supply }: ModelSources): Promise<void> {
  return (async () => {
    await control
      .start()
      .catch((err: Error) => logger.warn('control state could not be read; serving on model.yaml until it can', { store: control.storeKind, reason: err.message }))
    await watcher?.prime()
    await registry.loadAll()
    await supply.git?.sync.trigger('start')
    supply.git?.sync.start()
  })()
    .catch((err: Error) => {
      logger.error('model repository could not be read', { dir: config.models.dir, reason: err.message })
    })
    .finally(() => watcher?.start())
}

/**
 * The fleet's control of models (activate, aliases, weights) for this process; a version
 * published, deleted or re-described here reaches every other worker and replica through it
 * (where the repository is a shared volume they reread it; the control store carries the word).
 */
function shareControl(config: Readonly<Config>, logger: Logger, metrics: Metrics, parts: CoreParts, supply: Supply): Control {
  const control = createControl(config, parts.registry, logger)
  registerControlMetrics(metrics.registry, control)
  supply.publisher.onChange((change) => {
    control.reload(change.model).catch((err: Error) => logger.warn('publish could not reach other processes', { model: change.model, reason: err.message }))
  })
  return control
}

function logStart(config: Readonly<Config>, logger: Logger, port: number): void {
  logger.info('listening', { host: config.server.host, port, env: config.env })
  for (const key of config.allowUnsafe) logger.warn('unsafe setting accepted by allowUnsafe', { key, env: config.env })
  if (!config.auth.enabled) logger.warn('authentication is disabled: every request acts as "anonymous" with every role')
}

/** The token-free metrics listener of `metrics.port`, when configured. */
async function listenForMetrics(
  config: Readonly<Config>,
  logger: Logger,
  registry: Metrics['registry'],
  scrape: () => Promise<string>,
): Promise<{ port: number; close(): Promise<void> } | undefined> {
  if (config.metrics.port === undefined) return undefined
  const server = createMetricsServer({ registry, scrape, logger, headersTimeoutMs: config.server.headersTimeoutMs, requestTimeoutMs: config.server.requestTimeoutMs })
  const host = config.metrics.host ?? config.server.host
  const port = await listen(server, host, config.metrics.port)
  logger.info('metrics listening', { host, port })
  return {
    port,
    close() {
      // Prometheus keeps its connection alive between scrapes.
      const closed = new Promise<void>((done) => server.close(() => done()))
      server.closeIdleConnections()
      return closed
    },
  }
}

/**
 * In-flight requests finish; keep-alive sockets are closed as soon as they fall idle (not only
 * those idle now), and whatever still hangs after `timeoutMs` is cut.
 */
async function drainServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()))
  const sweep = setInterval(() => server.closeIdleConnections(), 50)
  const force = setTimeout(() => server.closeAllConnections(), timeoutMs).unref()
  await closed
  clearInterval(sweep)
  clearTimeout(force)
}

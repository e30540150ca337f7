import { readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Router from '@koa/router'
import { ApiError } from '../../errors/api-error.js'
import type { AppState } from '../state.js'

/** Where `npm run build` writes the console: `dist/console` under the project root. */
export const CONSOLE_BUILD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist/console')

/** The folder of hashed files under the build output, served at `/console/{file}`. */
const CONSOLE_ASSET_DIR = 'console'

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
}

/** Options of consoleRoutes. */
export interface ConsoleRouteOptions {
  /** The Vite build output; CONSOLE_BUILD_DIR by default. */
  dir?: string
}

/** A built file held in memory: the console is small and its files never change while serving. */
interface ConsoleFile {
  type: string
  body: Buffer
}

/**
 * GET / (the console page) and GET /console/{file} (its hashed scripts and styles), read once at
 * start from the build output. The page itself is revalidated on every load so a new build shows at
 * once; the hashed files never change under their name, so browsers keep them for a year.
 */
export function consoleRoutes(options: ConsoleRouteOptions = {}): Router<AppState> {
  const dir = options.dir ?? CONSOLE_BUILD_DIR
  const page = readBuilt(join(dir, 'index.html'))
  const assets = readAssets(join(dir, CONSOLE_ASSET_DIR))
  const router = new Router<AppState>()
  router.get('/', function consolePage(ctx) {
    if (page === undefined) throw new ApiError('unavailable', 'the console is not built: run npm run build')
    ctx.type = 'text/html; charset=utf-8'
    ctx.set('Cache-Control', 'no-cache')
    ctx.body = page
  })
  router.get(`/${CONSOLE_ASSET_DIR}/:file`, function consoleAsset(ctx) {
    // A lookup in a fixed map built at start: no request path ever reaches the disk.
    const file = assets.get(ctx.params.file ?? '')
    if (file === undefined) throw new ApiError('not_found', 'no such console file')
    ctx.type = file.type
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable')
    ctx.body = file.body
  })
  return router
}

function readBuilt(path: string): Buffer | undefined {
  try {
    return readFileSync(path)
  } catch {
    // No build yet (a checkout before `npm run build`): GET / then says how to build it.
    return undefined
  }
}

function readAssets(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>()
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    // Same as readBuilt: no build, no assets.
    return files
  }
  for (const name of names) {
    const type = CONTENT_TYPES[extname(name)]
    if (type !== undefined) files.set(name, { type, body: readFileSync(join(dir, name)) })
  }
  return files
}

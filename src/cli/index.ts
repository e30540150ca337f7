import { ConfigError } from '../config/config-error.js'
import { readEnvironment } from '../config/env.js'
import { loadConfig } from '../config/load.js'

// Each command's module is loaded when it runs, so a command holds in memory only what it uses
// (`score` on a large file has a memory budget; `serve` loads Koa, `stream` the broker clients).
/** The `models` actions that talk to a gateway or sign files (src/cli/models-supply.ts). */
const SUPPLY_ACTIONS = new Set(['push', 'pull', 'sign'])

const USAGE = `usage: portcullis <command>

  serve                                   run the gateway
  stream                                  run the configured streams without HTTP
  token --sub NAME --roles user[,admin]   print a signed JWT [--ttl 15m] [--aud A] [--iss I] [--alg ALG]
  keys generate --alg ES256 --out DIR     write a key pair for asymmetric tokens
  models build-demo [--out DIR]           train the Iris demo models and write them as ONNX
  models push --url U --token T --model NAME --version N --file model.onnx [--sig F] [--metadata Y] [--replace]
  models pull --url U --token T --model NAME --version N --out FILE
  models sign --key PRIVATE.pem --model-file model.onnx   write model.onnx.sig (Ed25519 or ECDSA P-256)
  score --model NAME --input FILE --output FILE   score a CSV, JSON Lines or Parquet file
        [--version V] [--rejects FILE] [--format csv|jsonl|parquet] [--url URL --token T] [--batch-rows N]
  models profile --model NAME --input CSV store the reference profile for drift [--version V]
  train --input CSV --target COL --model NAME
                                          train a classifier (or a regression) as the next version
                                          [--task classification|regression] [--algorithm random-forest|logistic-regression]
                                          [--test-size 0.2] [--seed N] [--out DIR]`

/** Runs one CLI command and returns its exit code (2 for a bad config or bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'serve':
        return await (await import('./serve.js')).serveCommand(loadConfig(readEnvironment()), rest)
      case 'stream':
        return await (await import('./stream.js')).streamCommand(loadConfig(readEnvironment()), rest)
      case 'token':
        return (await import('./token.js')).tokenCommand(loadConfig(readEnvironment()), rest)
      case 'keys':
        return (await import('./keys.js')).keysCommand(rest)
      case 'score':
        return await (await import('./score.js')).scoreCommand(loadConfig(readEnvironment()), rest)
      case 'train':
        return await (await import('./train.js')).trainCommand(rest, loadConfig(readEnvironment()).models.dir)
      case 'models':
        if (SUPPLY_ACTIONS.has(rest[0] ?? '')) return await (await import('./models-supply.js')).modelsSupplyCommand(rest)
        return await (await import('./build-demo.js')).modelsCommand(rest, loadConfig(readEnvironment()).models.dir)
      case undefined:
      case '--help':
      case 'help':
        console.log(USAGE)
        return command === undefined ? 2 : 0
      default:
        console.error(`unknown command "${command}"\n\n${USAGE}`)
        return 2
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`portcullis: invalid configuration: ${err.message}`)
      return 2
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`portcullis: ${err.message}\n\n${USAGE}`)
      return 2
    }
    const listenFailure = describeListenFailure(err)
    if (listenFailure !== undefined) {
      console.error(`portcullis: ${listenFailure}`)
      return 1
    }
    throw err
  }
}

/** A one-line reason for a listen() that failed on the address, or undefined for other errors. */
function describeListenFailure(err: unknown): string | undefined {
  if (!(err instanceof Error) || !('code' in err) || !('syscall' in err) || err.syscall !== 'listen') return undefined
  const where = 'address' in err && 'port' in err ? `${String(err.address)}:${String(err.port)}` : 'the configured address'
  if (err.code === 'EADDRINUSE') return `cannot listen on ${where}: the address is already in use (set PORT or server.port)`
  if (err.code === 'EACCES') return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`
  if (err.code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: no such local address (set HOST or server.host)`
  return undefined
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

/** A gateway running as its own process. */
export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams
  url: string
  stdout(): string
  stderr(): string
  stop(): Promise<number | null>
}

/** Spawns `portcullis serve` (through tsx) and resolves once it prints its listening line. */
export function spawnGateway(env: Record<string, string>, args: string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`gateway did not start in time\nstdout: ${out}\nstderr: ${err}`))
    }, 60_000)
    const onData = (): void => {
      const match = /"message":"listening"[^\n]*"port":(\d+)/.exec(out) ?? /"port":(\d+)[^\n]*"message":"listening"/.exec(out)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      resolve({
        child,
        url: `http://127.0.0.1:${match[1]}`,
        stdout: () => out,
        stderr: () => err,
        stop: async () => {
          child.kill('SIGTERM')
          return exited
        },
      })
    }
    child.stdout.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}\nstdout: ${out}\nstderr: ${err}`))
    })
  })
}

/** Polls /readyz until it answers 200. */
export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined)
    if (response?.status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not become ready`)
}

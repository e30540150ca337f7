import { spawn } from 'node:child_process'

/** What one `portcullis score` process did. */
export interface ScoreRun {
  code: number | null
  stdout: string
  stderr: string
  /** Peak resident set (VmHWM) in KiB, read from /proc while the process ran. */
  peakKib: number
}

/** Runs `portcullis score ARGS` (src/cli/main.ts through tsx) as its own process, in the test overlay. */
export function runScore(args: string[], env: Record<string, string>): Promise<ScoreRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'score', ...args], {
    env: { PATH: process.env.PATH ?? '', APP_ENV: 'test', ...env },
  })
  let stdout = ''
  let stderr = ''
  let peakKib = 0
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const sample = async (): Promise<void> => {
    const { readFile } = await import('node:fs/promises')
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '')
    const match = /VmHWM:\s+(\d+) kB/.exec(status)
    if (match?.[1] !== undefined) peakKib = Math.max(peakKib, Number(match[1]))
  }
  const timer = setInterval(() => void sample(), 100)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => {
      clearInterval(timer)
      resolve({ code, stdout, stderr, peakKib })
    })
  })
}

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** Where a clone comes from and how to authenticate to it. */
export interface GitRemote {
  /** Any git remote: https://, ssh://, user@host:path, file://. */
  url: string
  branch: string
  /** HTTPS: sent as basic auth (`username:token`) in an HTTP header, never in the URL. */
  token?: string
  username?: string
  /** SSH: the private key, and the known_hosts file the server's key must be in. */
  sshKeyFile?: string
  knownHostsFile?: string
  timeoutMs: number
}

/**
 * A shallow clone of one branch, driven through the `git` binary: execFile without a shell, so
 * nothing in a URL or a branch name is ever interpreted by one. Credentials travel in the child's
 * environment (GIT_CONFIG_* and GIT_SSH_COMMAND), never on its command line, which other users of
 * the machine can read.
 */
export class GitClient {
  constructor(
    private readonly remote: GitRemote,
    private readonly checkoutDir: string,
    private readonly baseEnv: NodeJS.ProcessEnv,
  ) {
    if (remote.url.startsWith('-')) throw new Error('a git URL may not start with "-"')
  }

  /** Clones the branch at first, fetches and resets to it after; resolves to the commit checked out. */
  async pull(): Promise<string> {
    const { branch, url } = this.remote
    if (!existsSync(join(this.checkoutDir, '.git'))) {
      await mkdir(dirname(this.checkoutDir), { recursive: true })
      await this.#git(['clone', '--quiet', '--depth', '1', '--single-branch', '--branch', branch, '--', url, this.checkoutDir])
    } else {
      await this.#git(['-C', this.checkoutDir, 'fetch', '--quiet', '--depth', '1', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`])
      await this.#git(['-C', this.checkoutDir, 'reset', '--quiet', '--hard', `refs/remotes/origin/${branch}`])
      await this.#git(['-C', this.checkoutDir, 'clean', '--quiet', '-fdx'])
    }
    return (await this.#git(['-C', this.checkoutDir, 'rev-parse', 'HEAD'])).trim()
  }

  #git(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { env: this.#env(), timeout: this.remote.timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
        if (err === null) return resolve(stdout)
        const detail = redactUrls(String(stderr).trim().split('\n').at(-1) ?? '') || (err.killed ? 'timed out' : err.message)
        reject(new Error(`git ${args.find((arg) => !arg.startsWith('-') && arg !== this.checkoutDir) ?? ''} failed: ${detail}`))
      })
    })
  }

  #env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.baseEnv, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' }
    const { token, username = 'x-access-token', sshKeyFile, knownHostsFile } = this.remote
    if (token !== undefined && token !== '') {
      env.GIT_CONFIG_COUNT = '1'
      env.GIT_CONFIG_KEY_0 = 'http.extraHeader'
      env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`
    }
    if (sshKeyFile !== undefined) {
      const options = ['-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-i', shellQuote(sshKeyFile)]
      if (knownHostsFile !== undefined) options.push('-o', `UserKnownHostsFile=${shellQuote(knownHostsFile)}`, '-o', 'StrictHostKeyChecking=yes')
      env.GIT_SSH_COMMAND = ['ssh', ...options].join(' ')
    }
    return env
  }
}

// git runs GIT_SSH_COMMAND through a shell; a path is single-quoted so it stays one word.
function shellQuote(path: string): string {
  if (path.includes("'")) throw new Error('key file paths may not contain a single quote')
  return `'${path}'`
}

/** Hides `user:password@` in URLs that git echoes in its messages. */
function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
}

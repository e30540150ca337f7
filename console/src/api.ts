import { storedToken } from './session'

/** One answer of the API, as the page shows it. */
export interface ApiAnswer {
  status: number
  ok: boolean
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown
  /** Milliseconds from sending to the whole body read. */
  ms: number
  /** The `X-Cache` header of predictions: hit, miss or bypass. */
  cache: string | null
  /** The same request as a curl command, with the token left as $TOKEN. */
  curl: string
}

/** A request the page makes; every one is a plain API call a user could make with curl. */
export interface ApiRequest {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  /** A token other than the stored one (sign-in checks a pasted token before keeping it). */
  token?: string
}

/** Sends a request to the gateway this page came from, with the bearer token. */
export async function callApi(request: ApiRequest): Promise<ApiAnswer> {
  const token = request.token ?? storedToken()
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (token !== undefined) headers.Authorization = `Bearer ${token}`
  const text = request.body === undefined ? undefined : JSON.stringify(request.body)
  if (text !== undefined) headers['Content-Type'] = 'application/json'
  const started = performance.now()
  const response = await fetch(request.path, { method: request.method, headers, body: text, credentials: 'omit' })
  const raw = await response.text()
  const ms = performance.now() - started
  return {
    status: response.status,
    ok: response.ok,
    body: parseJson(raw),
    ms,
    cache: response.headers.get('X-Cache'),
    curl: curlCommand(request.method, request.path, token !== undefined, text),
  }
}

/** The error message of a v1 envelope or a v2 `{"error": "..."}` body, else a generic line. */
export function errorMessage(answer: ApiAnswer): string {
  const body = answer.body
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error
    if (typeof error === 'string') return error
    if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message
  }
  return `the gateway answered ${answer.status}`
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // Not JSON (an empty body, say): the page shows the text as it came.
    return text
  }
}

/** A POSIX-shell curl line; single quotes are closed, escaped and reopened. */
function curlCommand(method: string, path: string, withToken: boolean, body: string | undefined): string {
  const quote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`
  const parts = ['curl -s']
  if (method !== 'GET' || body !== undefined) parts.push(`-X ${method}`)
  parts.push(quote(new URL(path, location.origin).href))
  if (withToken) parts.push('-H "Authorization: Bearer $TOKEN"')
  if (body !== undefined) parts.push("-H 'Content-Type: application/json'", `-d ${quote(body)}`)
  return parts.join(' ')
}

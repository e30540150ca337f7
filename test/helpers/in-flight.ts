import { request, type Agent, type ClientRequest } from 'node:http'

/** A predict request whose headers the server has read (it answered 100 Continue) and whose body is still to come. */
export interface OpenRequest {
  finish(): Promise<{ status: number; body: string }>
}

/** Opens a predict request and resolves once the server holds it in flight, waiting for the body. */
export function openPredict(url: string, token: string, agent: Agent): Promise<OpenRequest> {
  const body = JSON.stringify({ inputs: [[6.3, 3.3, 6.0, 2.5]] })
  return new Promise((resolveOpen, rejectOpen) => {
    const req: ClientRequest = request(`${url}/api/v1/models/iris/predict`, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: `Bearer ${token}`, Expect: '100-continue' },
    })
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.once('response', (response) => {
        let text = ''
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        response.once('end', () => resolve({ status: response.statusCode ?? 0, body: text }))
      })
      req.once('error', reject)
    })
    req.once('error', rejectOpen)
    req.once('continue', () =>
      resolveOpen({
        finish: () => {
          req.end(body)
          return answered
        },
      }),
    )
    req.flushHeaders()
  })
}

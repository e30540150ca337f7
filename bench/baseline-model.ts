/**
 * What the bench's reference servers share: the one model they serve, run the way a bare server
 * would (JSON rows in, one float32 tensor, probabilities and labels out), and the token check
 * (jsonwebtoken.verify with a KeyObject made once).
 */
import { createSecretKey } from 'node:crypto'
import jwt from 'jsonwebtoken'
import ort from 'onnxruntime-node'

/** A loaded model: answers the body text of a predict request. */
export interface BaselineModel {
  predict(text: string): Promise<unknown>
}

export async function loadBaselineModel(file: string, labels: readonly string[]): Promise<BaselineModel> {
  // One thread, as Portcullis's default: with the server pinned to one core, ORT's spinning pool
  // threads would only take turns with the JS thread.
  const session = await ort.InferenceSession.create(file, { logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 })
  const inputName = session.inputNames[0] ?? 'input'
  const labelOutput = session.outputNames.find((name) => /label/i.test(name))
  const probabilityOutput = session.outputNames.find((name) => /prob/i.test(name)) ?? session.outputNames[0] ?? ''
  return {
    async predict(text) {
      const body = JSON.parse(text) as { inputs?: unknown }
      const rows = body.inputs
      if (!Array.isArray(rows) || rows.length === 0 || !rows.every(Array.isArray)) throw new Error('inputs must be rows')
      const width = (rows[0] as number[]).length
      const data = new Float32Array(rows.length * width)
      rows.forEach((row: number[], index) => data.set(row, index * width))
      const results = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows.length, width]) })
      const probabilityData = results[probabilityOutput]?.data as Float32Array
      const classes = probabilityData.length / rows.length
      const probabilities = rows.map((_, row) => Array.from(probabilityData.subarray(row * classes, (row + 1) * classes)))
      const labelData = labelOutput === undefined ? undefined : results[labelOutput]?.data
      const predictions = probabilities.map((row, index) => {
        const value = labelData === undefined ? row.indexOf(Math.max(...row)) : Number(labelData[index])
        return labels[value] ?? value
      })
      return { predictions, probabilities }
    },
  }
}

/** True when `authorization` carries a valid HS256 token with the `user` role. */
export type TokenCheck = (authorization: string | undefined) => boolean

export function tokenCheck(secret: string): TokenCheck {
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  return (header = '') => {
    if (!header.startsWith('Bearer ')) return false
    try {
      const claims = jwt.verify(header.slice(7), key, { algorithms: ['HS256'] })
      return typeof claims === 'object' && Array.isArray(claims.roles) && claims.roles.includes('user')
    } catch {
      return false
    }
  }
}

import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import jwt from 'jsonwebtoken'
import { buildDemoModels } from '../src/demo/build-demo.js'
import { buildMlpModel, DEFAULT_MLP_OPTIONS } from '../src/demo/mlp.js'

/** A model the bench loads, and the request body it sends to it. */
export interface BenchModel {
  name: string
  file: string
  labels: readonly string[]
  body: string
}

/** What every run shares: the model repository, the secret and a user token. */
export interface Workload {
  modelsDir: string
  secret: string
  token: string
  models: { iris: BenchModel; mlp: BenchModel }
}

const IRIS_LABELS = ['setosa', 'versicolor', 'virginica'] as const

/** Writes the Iris demo models and a 256-1024-1024-10 MLP into `dir`, and mints the bench token. */
export async function buildWorkload(dir: string): Promise<Workload> {
  const modelsDir = join(dir, 'models')
  await buildDemoModels(modelsDir)
  mkdirSync(join(modelsDir, 'mlp', '1'), { recursive: true })
  writeFileSync(join(modelsDir, 'mlp', '1', 'model.onnx'), buildMlpModel())
  writeFileSync(
    join(modelsDir, 'mlp', 'model.yaml'),
    ['description: Random MLP 256-1024-1024-10 for the benchmark', 'outputs: { probabilities: probabilities }', 'roles: [user, admin]', ''].join('\n'),
  )
  const secret = randomBytes(48).toString('base64url')
  // A jti, as production requires (auth.requireJti): only such tokens can be revoked.
  const token = jwt.sign({ sub: 'bench', roles: ['user'] }, secret, { algorithm: 'HS256', expiresIn: '4h', jwtid: randomBytes(12).toString('base64url') })
  const mlpRow = Array.from({ length: DEFAULT_MLP_OPTIONS.inputs }, (_, i) => Math.round(((i * 37) % 100) - 50) / 50)
  return {
    modelsDir,
    secret,
    token,
    models: {
      iris: { name: 'iris', file: join(modelsDir, 'iris', '1', 'model.onnx'), labels: IRIS_LABELS, body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }) },
      mlp: { name: 'mlp', file: join(modelsDir, 'mlp', '1', 'model.onnx'), labels: [], body: JSON.stringify({ inputs: [mlpRow] }) },
    },
  }
}

/** `count` distinct one-row Iris bodies inside the model's feature ranges, the same every run. */
export function irisBodies(count: number): string[] {
  let state = 42
  const next = (): number => {
    // A 32-bit LCG (Numerical Recipes): the soak must send the same inputs every time.
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  const ranges = [
    [4.3, 7.9],
    [2, 4.4],
    [1, 6.9],
    [0.1, 2.5],
  ] as const
  return Array.from({ length: count }, () => {
    const row = ranges.map(([low, high]) => Math.round((low + next() * (high - low)) * 100) / 100)
    return JSON.stringify({ inputs: [row] })
  })
}

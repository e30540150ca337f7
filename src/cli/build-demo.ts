import { parseArgs } from 'node:util'
import { buildDemoModels } from '../demo/build-demo.js'
import { profileCommand } from './profile.js'

/** `portcullis models build-demo [--out DIR]`: trains the Iris models and writes them as ONNX; `models profile` stores a reference profile. */
export async function modelsCommand(argv: string[], defaultDir: string): Promise<number> {
  const [action, ...rest] = argv
  if (action === 'profile') return profileCommand(rest, defaultDir)
  if (action !== 'build-demo') {
    console.error('usage: portcullis models build-demo [--out DIR] | models profile --model NAME [--version V] --input CSV')
    return 2
  }
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string', default: defaultDir } } })
  const report = await buildDemoModels(values.out)
  for (const model of report.models) {
    console.log(`${model.name}: ${model.path} (training accuracy ${model.accuracy.toFixed(4)})`)
  }
  return 0
}

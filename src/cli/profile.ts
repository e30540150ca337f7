import { parseArgs } from 'node:util'
import { profileModel } from '../training/profile-model.js'

const USAGE = 'usage: portcullis models profile --model NAME [--version V] --input CSV'

/** `portcullis models profile`: stores the reference profile that drift tracking compares recent rows with. */
export async function profileCommand(argv: string[], modelsDir: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, version: { type: 'string' }, input: { type: 'string' }, out: { type: 'string', default: modelsDir } },
  })
  if (values.model === undefined || values.input === undefined) {
    console.error(USAGE)
    return 2
  }
  try {
    const { path, profile } = await profileModel({ modelsDir: values.out, model: values.model, version: values.version, input: values.input })
    console.log(
      `${path}: ${profile.rows} rows, ${profile.features.length} features, ${profile.prediction === undefined ? `${profile.classes.length} classes` : 'predicted values (regression)'}`,
    )
    return 0
  } catch (err) {
    // Bad data, a missing file or a model that will not run: one line, no stack (exit 1, as for a failed run).
    if (!(err instanceof Error)) throw err
    console.error(`portcullis: ${err.message}`)
    return 1
  }
}

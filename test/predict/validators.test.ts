import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { join } from 'node:path'
import { readModelMetadata } from '../../src/models/metadata.js'
import type { LoadedVersion } from '../../src/models/loaded-version.js'
import { loadVersion } from '../../src/models/version-loader.js'
import { compileInputValidator } from '../../src/predict/input-schema.js'
import { ValidatorCache } from '../../src/predict/validators.js'
import { demoModelsDir } from '../helpers/demo-models.js'

const BODIES: Record<string, unknown> = {
  'one row': { inputs: [[5.1, 3.5, 1.4, 0.2]] },
  'two rows': {
    inputs: [
      [5.1, 3.5, 1.4, 0.2],
      [7.9, 4.4, 6.9, 2.5],
    ],
  },
  'rows by name': { inputs: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] },
  'a null value': { inputs: [[5.1, null, 1.4, 0.2]] },
  'a short row': { inputs: [[5.1, 3.5, 1.4]] },
  'a long row': { inputs: [[5.1, 3.5, 1.4, 0.2, 1]] },
  'a value below the minimum': { inputs: [[4.2, 3.5, 1.4, 0.2]] },
  'a value above the maximum': { inputs: [[5.1, 3.5, 1.4, 2.6]] },
  'a string value': { inputs: [[5.1, '3.5', 1.4, 0.2]] },
  'no rows': { inputs: [] },
  'too many rows': { inputs: Array.from({ length: 5 }, () => [5.1, 3.5, 1.4, 0.2]) },
  'an unknown key': { inputs: [[5.1, 3.5, 1.4, 0.2]], extra: true },
  'no inputs': {},
  'an array body': [[5.1, 3.5, 1.4, 0.2]],
  'rows that are not arrays': { inputs: [5.1, 3.5] },
}

function outcome(validate: (body: unknown) => unknown, body: unknown): unknown {
  try {
    return { rows: validate(body) }
  } catch (err) {
    return { error: (err as Error).message, status: (err as { status?: number }).status }
  }
}

describe('ValidatorCache', () => {
  let version: LoadedVersion
  before(async () => {
    const dir = join(await demoModelsDir(), 'iris')
    version = await loadVersion('iris', '1', join(dir, '1', 'model.onnx'), await readModelMetadata(join(dir, 'model.yaml')))
  })

  for (const [name, body] of Object.entries(BODIES)) {
    it(`answers ${name} exactly as the full schema does`, () => {
      const fast = new ValidatorCache(4).for(version)
      assert.deepEqual(outcome(fast, body), outcome(compileInputValidator(version, 4), body))
    })
  }

  it('compiles one validator per loaded version', () => {
    const cache = new ValidatorCache(4)
    assert.equal(cache.for(version), cache.for(version))
  })
})

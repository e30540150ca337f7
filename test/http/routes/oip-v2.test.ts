import assert from 'node:assert/strict'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse, stringify } from 'yaml'
import { tempRepository } from '../../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../../helpers/server.js'
import { dtypesModel, simpleModel, tempRepo } from '../../models/repo-fixtures.js'

interface OutputTensor {
  name: string
  datatype: string
  shape: number[]
  data: unknown[]
}

interface InferResponse {
  model_name: string
  model_version: string
  id?: string
  outputs: OutputTensor[]
}

const ONE_TO_16 = Array.from({ length: 16 }, (_, i) => i + 1)
const TWOS = Array.from({ length: 16 }, () => 2)

/** Asserts the protocol's error object: the status, exactly `{"error": "<message>"}`, and the request id header. */
async function assertOipError(response: Response, status: number, message?: RegExp): Promise<string> {
  const text = await response.text()
  assert.equal(response.status, status, text)
  assert.match(response.headers.get('content-type') ?? '', /application\/json/)
  assert.ok(response.headers.get('x-request-id'))
  const body = JSON.parse(text) as Record<string, unknown>
  assert.deepEqual(Object.keys(body), ['error'])
  assert.equal(typeof body.error, 'string')
  assert.ok((body.error as string).length > 0)
  if (message !== undefined) assert.match(body.error as string, message)
  return body.error as string
}

describe('Open Inference Protocol v2', () => {
  let server: TestServer
  let cleanup: () => void
  let user: string
  let admin: string
  const extra = tempRepo()

  before(async () => {
    const repo = await tempRepository()
    cleanup = repo.cleanup
    const irisYaml = join(repo.dir, 'iris', 'model.yaml')
    writeFileSync(irisYaml, stringify({ ...(parse(readFileSync(irisYaml, 'utf8')) as object), aliases: { production: 1 } }))
    for (const [name, bytes] of [
      ['simple', simpleModel()],
      ['dtypes', dtypesModel()],
    ] as const) {
      extra.writeVersion(name, 1, bytes)
    }
    cpSync(extra.dir, repo.dir, { recursive: true })
    server = await startServer({ modelsDir: repo.dir, config: { rateLimit: { predict: '40/minute' }, models: { watch: false } } })
    user = server.token(['user'], 'oip-user')
    admin = server.token(['admin'], 'oip-admin')
  })
  after(async () => {
    await server.close()
    cleanup()
    extra.cleanup()
  })

  const infer = (model: string, body: unknown, token = user, path = `/v2/models/${model}/infer`): Promise<Response> => postJson(`${server.url}${path}`, body, token)

  describe('health and server metadata', () => {
    it('answers live and ready without a token', async () => {
      const live = await getJson(`${server.url}/v2/health/live`)
      assert.equal(live.status, 200)
      assert.deepEqual(await live.json(), { live: true })
      const ready = await getJson(`${server.url}/v2/health/ready`)
      assert.equal(ready.status, 200)
      assert.deepEqual(await ready.json(), { ready: true })
    })

    it('describes the server to an authenticated caller', async () => {
      const response = await getJson(`${server.url}/v2`, user)
      assert.equal(response.status, 200)
      const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
      assert.deepEqual(await response.json(), { name: 'portcullis', version: pkg.version, extensions: [] })
    })

    it("answers 401 in the protocol's error form, with the RFC 6750 challenge", async () => {
      const response = await getJson(`${server.url}/v2`)
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /)
      await assertOipError(response, 401, /bearer token/)
      await assertOipError(await infer('simple', { inputs: [] }, 'not-a-token'), 401)
    })
  })

  describe('model metadata and readiness', () => {
    it('describes the multi-input model as $metadata_model_response', async () => {
      const response = await getJson(`${server.url}/v2/models/simple`, user)
      assert.equal(response.status, 200)
      const tensor = (name: string) => ({ name, datatype: 'FP32', shape: [-1, 16] })
      assert.deepEqual(await response.json(), {
        name: 'simple',
        versions: ['1'],
        platform: 'onnx_onnxv1',
        inputs: [tensor('input0'), tensor('input1')],
        outputs: [tensor('output0'), tensor('output1')],
      })
    })

    it('describes a version named by number or by alias', async () => {
      for (const version of ['1', 'production']) {
        const body = (await (await getJson(`${server.url}/v2/models/iris/versions/${version}`, user)).json()) as Record<string, unknown>
        assert.deepEqual(body.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }])
        assert.deepEqual(body.outputs, [
          { name: 'label', datatype: 'INT64', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        ])
      }
    })

    it('answers 404 for an unknown model or version', async () => {
      await assertOipError(await getJson(`${server.url}/v2/models/nope`, user), 404, /model "nope" not found/)
      await assertOipError(await getJson(`${server.url}/v2/models/iris/versions/9`, user), 404)
      await assertOipError(await getJson(`${server.url}/v2/models/iris/versions/9/ready`, user), 404)
      await assertOipError(await infer('nope', { inputs: [] }), 404)
    })

    it('reports a model ready, and not ready (503) while it is deactivated, when infer answers 409', async () => {
      assert.deepEqual(await (await getJson(`${server.url}/v2/models/iris/ready`, user)).json(), { name: 'iris', ready: true })
      assert.deepEqual(await (await getJson(`${server.url}/v2/models/iris/versions/1/ready`, user)).json(), { name: 'iris', ready: true })
      assert.equal((await postJson(`${server.url}/api/v1/admin/models/iris/deactivate`, {}, admin)).status, 200)
      try {
        await assertOipError(await getJson(`${server.url}/v2/models/iris/ready`, user), 503, /deactivated/)
        const row = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }
        await assertOipError(await infer('iris', { inputs: [row] }), 409, /deactivated/)
        assert.equal((await getJson(`${server.url}/v2/models/iris`, user)).status, 200, 'metadata stays readable')
      } finally {
        assert.equal((await postJson(`${server.url}/api/v1/admin/models/iris/activate`, {}, admin)).status, 200)
      }
      assert.equal((await getJson(`${server.url}/v2/models/iris/ready`, user)).status, 200)
    })
  })

  describe('inference on the multi-input model', () => {
    it("refuses the protocol document's own example request, whose datatypes this model does not take", async () => {
      // kserve/kserve docs/predict-api/v2/required_api.md, "Inference Request Examples", verbatim.
      const example = {
        id: '42',
        inputs: [
          { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
          { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
        ],
        outputs: [{ name: 'output0' }],
      }
      await assertOipError(await infer('simple', example), 400, /input "input0": datatype UINT32 does not match the model's FP32/)
    })

    it("answers the example's request shape with this model's tensors: id echoed, only output0, flat and nested data", async () => {
      const response = await infer('simple', {
        id: '42',
        inputs: [
          { name: 'input0', shape: [2, 16], datatype: 'FP32', data: [...ONE_TO_16, ...ONE_TO_16] },
          { name: 'input1', shape: [2, 16], datatype: 'FP32', data: [TWOS, TWOS] },
        ],
        outputs: [{ name: 'output0' }],
      })
      assert.equal(response.status, 200)
      const body = (await response.json()) as InferResponse
      assert.deepEqual(body, {
        model_name: 'simple',
        model_version: '1',
        id: '42',
        outputs: [{ name: 'output0', datatype: 'FP32', shape: [2, 16], data: [...ONE_TO_16, ...ONE_TO_16].map((x) => x + 2) }],
      })
    })

    it('returns every output in model order when none is selected, and no id when none was sent', async () => {
      const body = (await (
        await infer('simple', {
          inputs: [
            { name: 'input1', shape: [1, 16], datatype: 'FP32', data: [TWOS] },
            { name: 'input0', shape: [1, 16], datatype: 'FP32', data: [ONE_TO_16] },
          ],
        })
      ).json()) as InferResponse
      assert.equal('id' in body, false)
      assert.deepEqual(
        body.outputs.map((output) => output.name),
        ['output0', 'output1'],
      )
      assert.deepEqual(
        body.outputs[1]?.data,
        ONE_TO_16.map((x) => x - 2),
      )
    })

    it('serves /versions/{v}/infer', async () => {
      const body = { inputs: ['input0', 'input1'].map((name) => ({ name, shape: [1, 16], datatype: 'FP32', data: TWOS })), outputs: [{ name: 'output1' }] }
      const response = await infer('simple', body, user, '/v2/models/simple/versions/1/infer')
      assert.equal(response.status, 200)
      assert.deepEqual(((await response.json()) as InferResponse).outputs, [{ name: 'output1', datatype: 'FP32', shape: [1, 16], data: TWOS.map(() => 0) }])
    })

    const input = (name: string, shape: number[], data: unknown[], datatype = 'FP32') => ({ name, shape, datatype, data })
    const invalid: [string, unknown, RegExp][] = [
      ['a missing input', { inputs: [input('input0', [1, 16], ONE_TO_16)] }, /missing input "input1"/],
      ['an unknown input', { inputs: [input('input0', [1, 16], ONE_TO_16), input('input1', [1, 16], ONE_TO_16), input('input2', [1, 16], ONE_TO_16)] }, /unknown input "input2"/],
      ['an input given twice', { inputs: [input('input0', [1, 16], ONE_TO_16), input('input0', [1, 16], ONE_TO_16)] }, /given twice/],
      ['a shape of the wrong rank', { inputs: [input('input0', [16], ONE_TO_16), input('input1', [1, 16], ONE_TO_16)] }, /rank 1/],
      ['a fixed dimension that differs', { inputs: [input('input0', [2, 8], ONE_TO_16), input('input1', [1, 16], ONE_TO_16)] }, /dimension 1 is 8/],
      ['data that does not fill the shape', { inputs: [input('input0', [2, 16], ONE_TO_16), input('input1', [1, 16], ONE_TO_16)] }, /holds 32 values, data has 16/],
      ['nested data that does not match the shape', { inputs: [input('input0', [2, 16], [ONE_TO_16, [1]]), input('input1', [1, 16], ONE_TO_16)] }, /nested data does not match/],
      [
        'a string where FP32 belongs',
        { inputs: [input('input0', [1, 16], ['1', ...ONE_TO_16.slice(1)]), input('input1', [1, 16], ONE_TO_16)] },
        /input "input0"\[0\]: expected a number/,
      ],
      ['an unknown output', { inputs: [input('input0', [1, 16], ONE_TO_16), input('input1', [1, 16], ONE_TO_16)], outputs: [{ name: 'output9' }] }, /unknown output "output9"/],
      ['an unknown top-level key', { inputs: [input('input0', [1, 16], ONE_TO_16), input('input1', [1, 16], ONE_TO_16)], model: 'simple' }, /unknown key "model"/],
      [
        'binary data (no data array)',
        { inputs: [{ name: 'input0', shape: [1, 16], datatype: 'FP32', parameters: { binary_data_size: 64 } }] },
        /binary tensor data is not supported/,
      ],
      ['no inputs', { inputs: [] }, /at least one tensor/],
      ['a batch larger than maxRows', { inputs: [input('input0', [1025, 16], []), input('input1', [1, 16], ONE_TO_16)] }, /at most 1024 rows/],
    ]
    for (const [what, body, message] of invalid) {
      it(`answers 400 for ${what}`, async () => {
        await assertOipError(await infer('simple', body, server.token(['user'], `invalid-${what}`)), 400, message)
      })
    }

    it("answers 400, 415 and 413 from the shared body guard in the protocol's form", async () => {
      await assertOipError(await infer('simple', '{"inputs": ['), 400, /not valid JSON/)
      await assertOipError(
        await fetch(`${server.url}/v2/models/simple/infer`, { method: 'POST', headers: { Authorization: `Bearer ${user}`, 'Content-Type': 'text/plain' }, body: '{}' }),
        415,
      )
      await assertOipError(await infer('simple', { inputs: [{ name: 'input0', shape: [1], datatype: 'FP32', data: ['x'.repeat(1_100_000)] }] }), 413)
    })
  })

  describe('inference on the classifier', () => {
    // The KServe "sklearn iris, V2 protocol" example input (iris-input-v2.json); its documented answer is [1, 1].
    const irisExample = {
      inputs: [
        {
          name: 'input-0',
          shape: [2, 4],
          datatype: 'FP32',
          data: [
            [6.8, 2.8, 4.8, 1.4],
            [6.0, 3.4, 4.5, 1.6],
          ],
        },
      ],
    }

    it("names the expected input when the example's input name does not match the model", async () => {
      await assertOipError(await infer('iris', irisExample), 400, /unknown input "input-0"; model "iris" takes "input"/)
    })

    it("answers the example under the model's input name: class 1 for both rows, and the same answer as /api/v1", async () => {
      const [tensor] = irisExample.inputs
      const response = await infer('iris', { inputs: [{ ...tensor, name: 'input' }] })
      assert.equal(response.status, 200)
      const body = (await response.json()) as InferResponse
      assert.equal(body.model_name, 'iris')
      assert.equal(body.model_version, '1')
      const [label, probabilities] = body.outputs
      assert.deepEqual(label, { name: 'label', datatype: 'INT64', shape: [2], data: [1, 1] })
      assert.equal(probabilities?.name, 'probabilities')
      assert.equal(probabilities?.datatype, 'FP32')
      assert.deepEqual(probabilities?.shape, [2, 3])
      const v1 = (await (await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: tensor?.data }, user)).json()) as { predictions: string[]; probabilities: number[][] }
      assert.deepEqual(v1.predictions, ['versicolor', 'versicolor'])
      const flat = v1.probabilities.flat()
      assert.equal(probabilities?.data.length, 6)
      probabilities?.data.forEach((value, index) => assert.ok(Math.abs(Number(value) - (flat[index] ?? NaN)) < 1e-6, `probability ${index}`))
    })

    it("applies model.yaml's feature ranges and NaN policy, as /api/v1 does", async () => {
      const row = (data: unknown[]) => ({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data }] })
      await assertOipError(await infer('iris', row([50, 3.5, 1.4, 0.2])), 400, /sepal_length\) is 50, above the maximum/)
      await assertOipError(await infer('iris', row([5.1, null, 1.4, 0.2])), 400, /sepal_width\) is missing/)
      await assertOipError(
        await infer('iris', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP64', data: [5.1, 3.5, 1.4, 0.2] }] }),
        400,
        /datatype FP64 does not match the model's FP32/,
      )
    })

    it('answers 403 to a role without the predict permission', async () => {
      const response = await infer('iris', irisExample, server.token(['metrics'], 'oip-metrics'))
      assert.match(response.headers.get('www-authenticate') ?? '', /insufficient_scope/)
      await assertOipError(response, 403)
    })

    it("serves a repeated request from the cache, under the infer route's metrics", async () => {
      const request = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.0, 3.0, 1.6, 0.2] }] }
      const hits = async (): Promise<number> => {
        const text = await (await getJson(`${server.url}/metrics`, admin)).text()
        return Number(/portcullis_cache_requests_total\{result="hit"\} (\d+)/.exec(text)?.[1] ?? 0)
      }
      const before = await hits()
      const first = await (await infer('iris', request)).json()
      const second = await (await infer('iris', request)).json()
      assert.deepEqual(second, first)
      assert.equal(await hits(), before + 1)
      const text = await (await getJson(`${server.url}/metrics`, admin)).text()
      assert.match(text, /portcullis_http_requests_total\{method="POST",route="\/v2\/models\/:name\/infer",status="200"\} \d+/)
    })

    it("answers 429 in the protocol's form past the predict rate limit", async () => {
      const token = server.token(['user'], 'oip-limited')
      let response: Response | undefined
      for (let i = 0; i < 41; i += 1) response = await infer('iris', irisExample, token)
      assert.ok(response?.headers.get('retry-after'))
      await assertOipError(response as Response, 429)
    })
  })

  describe('datatypes', () => {
    it('carries FP64, INT32, INT64, BOOL and BYTES both ways', async () => {
      const tensors = [
        { name: 'x_fp64', datatype: 'FP64', data: [0.1, -2.5] },
        { name: 'x_int32', datatype: 'INT32', data: [-2147483648, 2147483647] },
        { name: 'x_int64', datatype: 'INT64', data: [-9007199254740991, 42] },
        { name: 'x_bool', datatype: 'BOOL', data: [true, false] },
        { name: 'x_bytes', datatype: 'BYTES', data: ['héllo', ''] },
      ]
      const response = await infer('dtypes', { inputs: tensors.map((tensor) => ({ ...tensor, shape: [1, 2] })) })
      assert.equal(response.status, 200)
      const body = (await response.json()) as InferResponse
      assert.deepEqual(
        body.outputs,
        tensors.map((tensor) => ({ ...tensor, name: tensor.name.replace('x_', 'y_'), shape: [1, 2] })),
      )
    })

    const wrong: [string, string, unknown[], RegExp][] = [
      ['an INT32 out of range', 'x_int32', [2147483648, 0], /outside the range of INT32/],
      ['a fraction for INT64', 'x_int64', [1.5, 0], /expected an integer/],
      ['a number for BOOL', 'x_bool', [1, 0], /expected true or false/],
      ['a number for BYTES', 'x_bytes', [1, 2], /expected a string/],
    ]
    for (const [what, name, data, message] of wrong) {
      it(`answers 400 for ${what}`, async () => {
        const valid: Record<string, unknown[]> = { x_fp64: [1, 2], x_int32: [1, 2], x_int64: [1, 2], x_bool: [true, true], x_bytes: ['a', 'b'] }
        const datatypes: Record<string, string> = { x_fp64: 'FP64', x_int32: 'INT32', x_int64: 'INT64', x_bool: 'BOOL', x_bytes: 'BYTES' }
        const inputs = Object.keys(valid).map((key) => ({ name: key, shape: [1, 2], datatype: datatypes[key], data: key === name ? data : valid[key] }))
        await assertOipError(await infer('dtypes', { inputs }, server.token(['user'], `dtype-${what}`)), 400, message)
      })
    }
  })
})

import { useState } from 'preact/hooks'
import { callApi, type ApiAnswer } from '../api'
import { AnswerView } from '../components/answer'
import type { ModelDetail, TensorInfo } from '../models'

const DATATYPES: Record<string, string> = { float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32', bool: 'BOOL', uint8: 'UINT8', int8: 'INT8' }

/** A v2 infer body for one row of zeros, shaped from the model's input signature. */
function templateFor(inputs: TensorInfo[]): string {
  const tensors = inputs.map((input) => {
    const shape = input.shape.map((dim) => (typeof dim === 'number' && dim > 0 ? dim : 1))
    const size = shape.reduce((product, dim) => product * dim, 1)
    return { name: input.name, shape, datatype: DATATYPES[input.dtype] ?? input.dtype.toUpperCase(), data: Array.from({ length: size }, () => 0) }
  })
  return JSON.stringify({ inputs: tensors }, null, 2)
}

/** The Open Inference Protocol v2 request as editable JSON, for models without feature names. */
export function TensorEditor({ model, open }: { model: ModelDetail; open: boolean }) {
  const [text, setText] = useState(() => templateFor(model.inputs))
  const [answer, setAnswer] = useState<ApiAnswer | undefined>()
  const [problem, setProblem] = useState<string | undefined>()

  async function send(event: Event): Promise<void> {
    event.preventDefault()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (error) {
      setProblem(`not JSON: ${(error as Error).message}`)
      return
    }
    setProblem(undefined)
    setAnswer(await callApi({ method: 'POST', path: `/v2/models/${encodeURIComponent(model.name)}/infer`, body }))
  }

  return (
    <details class="tensor" open={open}>
      <summary>v2 tensor request (Open Inference Protocol)</summary>
      <form class="stack" onSubmit={(event) => void send(event)}>
        <label for="tensor-json">Body of POST /v2/models/{model.name}/infer</label>
        <textarea id="tensor-json" rows={10} spellcheck={false} value={text} onInput={(event) => setText(event.currentTarget.value)} />
        <button type="submit">Send tensors</button>
        {problem !== undefined && (
          <p role="alert" class="error">
            {problem}
          </p>
        )}
      </form>
      {answer !== undefined && <AnswerView answer={answer} label="v2 answer" />}
    </details>
  )
}

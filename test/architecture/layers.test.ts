import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, it } from 'node:test'
import ts from 'typescript'

const SRC = resolve(import.meta.dirname, '..', '..', 'src')

/** One import: the file that makes it, and what it names (a package, or a path under src/). */
interface Arrow {
  from: string
  /** `pkg:<name>` for a package, else the imported file's path relative to src/. */
  to: string
}

/** A rule: files under `layer` may not import what `forbids` matches. */
interface Rule {
  layer: string
  forbids: (to: string, from: string) => boolean
  why: string
}

const isKoa = (to: string): boolean => /^pkg:(koa|@koa\/|koa-)/.test(to)
const under =
  (folder: string) =>
  (to: string): boolean =>
    to.startsWith(`${folder}/`)
const outsideOwnFolder = (to: string, from: string): boolean => !to.startsWith('pkg:') && to.split('/')[0] !== from.split('/')[0]

const RULES: Rule[] = [
  { layer: 'observability', forbids: under('http'), why: 'observability owns its vocabularies and knows no transport' },
  ...['security', 'predict', 'models'].flatMap((layer): Rule[] => [
    { layer, forbids: isKoa, why: `${layer} is transport-free: no Koa` },
    { layer, forbids: under('http'), why: `${layer} is below http: doors other than HTTP use it` },
  ]),
  { layer: 'config', forbids: outsideOwnFolder, why: 'config is the bottom layer' },
  { layer: 'errors', forbids: outsideOwnFolder, why: 'errors is the bottom layer' },
]

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every import, export-from and dynamic import of every file under src/, as TypeScript's own pre-processor reads them. */
function arrows(): Arrow[] {
  return sourceFiles(SRC).flatMap((file) => {
    const from = relative(SRC, file).split(sep).join('/')
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    return importedFiles.map(({ fileName }) => {
      if (!fileName.startsWith('.')) return { from, to: `pkg:${fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : (fileName.split('/')[0] ?? fileName)}` }
      return {
        from,
        to: relative(SRC, resolve(dirname(file), fileName))
          .split(sep)
          .join('/'),
      }
    })
  })
}

/** The arrows that break a rule, as `from -> to (why)`. */
function violations(all: readonly Arrow[]): string[] {
  return all.flatMap((arrow) =>
    RULES.filter((rule) => arrow.from.startsWith(`${rule.layer}/`) && rule.forbids(arrow.to, arrow.from)).map((rule) => `${arrow.from} -> ${arrow.to} (${rule.why})`),
  )
}

describe('layers point one way', () => {
  const all = arrows()

  it('reads the imports of every file, packages and paths alike', () => {
    assert.ok(
      all.some((arrow) => arrow.from === 'http/app.ts' && arrow.to === 'pkg:koa'),
      'http/app.ts imports koa',
    )
    assert.ok(
      all.some((arrow) => arrow.from === 'runtime.ts' && arrow.to === 'http/app.js'),
      'runtime.ts imports http/app.js',
    )
  })

  it('finds an arrow that breaks a rule', () => {
    const planted = [
      { from: 'predict/x.ts', to: 'http/state.js' },
      { from: 'models/y.ts', to: 'pkg:@koa/router' },
      { from: 'config/z.ts', to: 'errors/api-error.js' },
      { from: 'observability/w.ts', to: 'http/stage.js' },
    ]
    assert.equal(violations(planted).length, 4)
  })

  it('has no arrow from a lower layer to a higher one', () => {
    assert.deepEqual(violations(all), [])
  })
})

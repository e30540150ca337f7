#!/usr/bin/env node
// Validates every document of the given Kubernetes manifests (default: deploy/kubernetes/*.yaml)
// against the Kubernetes API's JSON schemas, offline: kubernetes-models bundles them, compiled.
// Exits 1 naming the file, document and field of the first problem in each bad document.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'

const dir = 'deploy/kubernetes'
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(dir)
        .filter((name) => name.endsWith('.yaml'))
        .map((name) => join(dir, name))

/** `apps/v1` → kubernetes-models/apps/v1; `v1` (the core group) → kubernetes-models/v1. */
async function modelClass(apiVersion, kind) {
  const module = await import(`kubernetes-models/${apiVersion}`).catch(() => undefined)
  return module?.[kind]
}

let failures = 0
let checked = 0
for (const file of files) {
  for (const [index, document] of parseAllDocuments(readFileSync(file, 'utf8')).entries()) {
    const where = `${file} document ${index + 1}`
    if (document.errors.length > 0) {
      console.error(`${where}: not valid YAML: ${document.errors[0].message}`)
      failures += 1
      continue
    }
    const manifest = document.toJS()
    if (manifest === null) continue
    const Model = await modelClass(manifest.apiVersion, manifest.kind)
    if (Model === undefined) {
      console.error(`${where}: unknown apiVersion/kind ${manifest.apiVersion} ${manifest.kind}`)
      failures += 1
      continue
    }
    try {
      new Model(manifest).validate()
      checked += 1
      console.log(`ok ${where}: ${manifest.kind} ${manifest.metadata?.name ?? ''}`)
    } catch (err) {
      console.error(`${where}: ${manifest.kind} ${manifest.metadata?.name ?? ''}: ${err.message}`)
      failures += 1
    }
  }
}
console.log(`${checked} Kubernetes documents valid, ${failures} invalid`)
process.exit(failures === 0 && checked > 0 ? 0 : 1)

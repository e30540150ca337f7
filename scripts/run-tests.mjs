#!/usr/bin/env node
// Runs every test file under test/ with node:test, compiled on the fly by tsx, after making sure
// the machine has what the tests need (scripts/test-prerequisites.mjs).
// Node 20's --test does not expand globs itself, so the file list is built here.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { provision } from './test-prerequisites.mjs'

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : findTests(path)
    return entry.name.endsWith('.test.ts') ? [path] : []
  })
}

const missing = await provision()
if (missing.length > 0) {
  for (const reason of missing) console.error(`test prerequisites: ${reason}`)
  process.exit(1)
}
const only = process.argv.slice(2)
const files = only.length > 0 ? only : findTests('test').sort()
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, APP_ENV: process.env.APP_ENV ?? 'test' },
})
process.exit(result.status ?? 1)

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { modelMetadataSchema } from '../../src/models/metadata.js'
import { describePolicy, planVersions, resolveAlias, versionPolicySchema } from '../../src/models/version-policy.js'

describe('planVersions()', () => {
  const onDisk = ['1', '10', '2', '3']

  it('tries every version, newest first, under all', () => {
    assert.deepEqual(planVersions('all', onDisk), { candidates: ['10', '3', '2', '1'], excluded: [], limit: Infinity })
  })

  it('limits latest to one version and {latest: N} to N', () => {
    assert.equal(planVersions('latest', onDisk).limit, 1)
    assert.equal(planVersions({ latest: 2 }, onDisk).limit, 2)
    assert.deepEqual(planVersions({ latest: 2 }, onDisk).candidates, ['10', '3', '2', '1'])
  })

  it('keeps versions outside {specific: [...]} excluded', () => {
    assert.deepEqual(planVersions({ specific: ['1', '3'] }, onDisk), { candidates: ['3', '1'], excluded: ['10', '2'], limit: Infinity })
  })
})

describe('versionPolicySchema', () => {
  it('accepts Triton\'s policy names and numbers for versions', () => {
    assert.equal(versionPolicySchema.parse('latest'), 'latest')
    assert.deepEqual(versionPolicySchema.parse({ latest: 3 }), { latest: 3 })
    assert.deepEqual(versionPolicySchema.parse({ specific: [1, '2'] }), { specific: ['1', '2'] })
  })

  it('refuses unknown policies, zero and leading zeros', () => {
    for (const bad of ['newest', { latest: 0 }, { specific: [] }, { specific: ['01'] }, { latest: 1, specific: [1] }]) {
      assert.equal(versionPolicySchema.safeParse(bad).success, false, JSON.stringify(bad))
    }
  })

  it('defaults to all in model.yaml', () => {
    assert.equal(modelMetadataSchema.parse({}).versionPolicy, 'all')
  })

  it('describes a policy for status reasons', () => {
    assert.equal(describePolicy({ latest: 2 }), 'latest 2')
    assert.equal(describePolicy({ specific: ['1', '3'] }), 'specific [1, 3]')
  })
})

describe('resolveAlias()', () => {
  it('maps an alias to its version and leaves numbers and unknown names alone', () => {
    const aliases = { production: '2', staging: '3' }
    assert.equal(resolveAlias(aliases, 'production'), '2')
    assert.equal(resolveAlias(aliases, '7'), '7')
    assert.equal(resolveAlias(aliases, 'qa'), 'qa')
    assert.equal(resolveAlias(aliases, 'constructor'), 'constructor', 'inherited object keys are not aliases')
    assert.equal(resolveAlias(undefined, 'production'), 'production')
  })
})

import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { assertInvalidToken, getWithToken, hmacToken } from './support/attack.js'

// A token that never expires is a credential that can never be taken back: exp is required.
describe('attack: token without exp', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 401 to a correctly signed token with no exp claim', async () => {
    const token = jwt.sign({ sub: 'forever', roles: ['admin'] }, TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token), /no exp/)
  })

  it('answers 401 to a token whose exp is not a number', async () => {
    const token = hmacToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'forever', roles: ['admin'], exp: 'never' }, TEST_SECRET)
    await assertInvalidToken(await getWithToken(`${server.url}/api/v1/models`, token))
  })
})

import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { startServer, type TestServer } from '../helpers/server.js'

/** Debian's chromium; `.ci/run` installs it when missing. */
const CHROMIUM = '/usr/bin/chromium'
const OUTPUT_DIR = 'test-output'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

// Runs in the page before its own scripts: a CSP refusal then shows up as a console error even
// where the browser would only fire the securitypolicyviolation event.
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (event) => {
  console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI)
})`

/** What the page reported while the test drove it. */
interface PageReport {
  console: string[]
  errors: string[]
  offOrigin: string[]
  authorizations: string[]
}

describe('Swagger UI at /docs in a real browser', () => {
  let server: TestServer
  let context: BrowserContext
  let page: Page
  let userDataDir: string
  const report: PageReport = { console: [], errors: [], offOrigin: [], authorizations: [] }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`)
    server = await startServer()
    userDataDir = mkdtempSync(join(tmpdir(), 'portcullis-chromium-'))
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 1000 } })
    page = context.pages()[0] ?? (await context.newPage())
    await page.addInitScript(CSP_LISTENER)
    page.on('console', (message) => report.console.push(`${message.type()}: ${message.text()}`))
    page.on('pageerror', (error) => report.errors.push(error.message))
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) report.offOrigin.push(request.url())
      if (request.url().endsWith('/predict')) report.authorizations.push(request.headers().authorization ?? '')
    })
  })
  after(async () => {
    await context?.close()
    rmSync(userDataDir, { recursive: true, force: true })
    await server?.close()
  })

  it('renders the document, authorizes with a bearer token, and runs a prediction from the page', async () => {
    await page.goto(`${server.url}/docs`)
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Portcullis' }).waitFor()

    const token = server.token(['user'], 'swagger-user')
    await page.locator('.scheme-container button.authorize').click()
    await page.locator('#auth-bearer-value').fill(token)
    await page.locator('.modal-ux button[type=submit]').click()
    await page.locator('.modal-ux button[aria-label="Remove authorization"]').waitFor()
    await page.locator('.modal-ux button.btn-done').click()
    mkdirSync(OUTPUT_DIR, { recursive: true })
    await page.screenshot({ path: join(OUTPUT_DIR, 'docs-overview.png') })

    const operation = page.locator('#operations-predict-predictModel')
    await operation.locator('.opblock-summary').click()
    await operation.locator('button.try-out__btn').click()
    assert.equal(await operation.locator('tr[data-param-name="name"] input').inputValue(), 'iris')
    await operation.locator('button.execute').click()
    const answer = operation.locator('.live-responses-table tbody tr.response')
    await answer.waitFor()
    assert.equal((await answer.locator('.response-col_status').innerText()).trim(), '200')
    const body = await answer.locator('.response-col_description .highlight-code pre').first().innerText()
    const prediction = JSON.parse(body) as { model: string; predictions: string[] }
    assert.equal(prediction.model, 'iris')
    assert.deepEqual(prediction.predictions, ['setosa', 'versicolor'])
    assert.deepEqual(report.authorizations, [`Bearer ${token}`])

    await answer.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(OUTPUT_DIR, 'docs-predict.png') })
  })

  it('keeps the authorization across a reload (persistAuthorization)', async () => {
    await page.reload()
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Portcullis' }).waitFor()
    await page.locator('.scheme-container button.authorize').click()
    await page.locator('.modal-ux button[aria-label="Remove authorization"]').waitFor()
    await page.locator('.modal-ux button.btn-done').click()
  })

  it('ran with no CSP violation, page error or request to another origin', () => {
    assert.deepEqual(
      report.console.filter((line) => /Content Security Policy|CSP violation|Refused to/i.test(line)),
      [],
    )
    assert.deepEqual(
      report.console.filter((line) => line.startsWith('error')),
      [],
    )
    assert.deepEqual(report.errors, [])
    assert.deepEqual(report.offOrigin, [])
  })
})

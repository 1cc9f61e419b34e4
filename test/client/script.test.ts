/**
 * The client library as a script uses it: docs/examples/deploy-and-call.mjs, importing
 * `chain/client` through the package's exports, deploys and calls the counter on a real node.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { cleanEnv, REPO_ROOT } from '../helpers/cli.js'
import { startNode } from '../helpers/node.js'

const SCRIPT = join(REPO_ROOT, 'docs', 'examples', 'deploy-and-call.mjs')
const SCRIPT_TIMEOUT_MS = 120_000

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { env: cleanEnv(), cwd: REPO_ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

test('the docs’ client script deploys the counter, calls it, and sees its event', async (t) => {
  const node = await startNode(t, { mine: true })
  const run = await runScript([node.datadir, join(node.datadir, 'password')])
  assert.equal(run.code, 0, run.stderr)
  const lines = run.stdout.trim().split('\n')
  assert.match(lines[0]!, /^deployed ct1\S+ in block \d+$/)
  assert.equal(lines[1], 'increment returned 15')
  assert.match(lines[2]!, /^event Incremented \{"by":5,"count":15\} at height \d+$/)
  assert.equal(lines[3], 'get returns 15')
})

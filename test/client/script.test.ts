/**
 * The client library as a script uses it: docs/examples/deploy-and-call.mjs, importing
 * `chain/client` through the package's exports, deploys and calls the counter on a real node.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { REPO_ROOT, runScript } from '../helpers/cli.js'
import { startNode } from '../helpers/node.js'

const SCRIPT = join(REPO_ROOT, 'docs', 'examples', 'deploy-and-call.mjs')

test('the docs’ client script deploys the counter, calls it, and sees its event', async (t) => {
  const node = await startNode(t, { mine: true })
  const run = await runScript(SCRIPT, [node.datadir, join(node.datadir, 'password')])
  assert.equal(run.code, 0, run.stderr)
  const lines = run.stdout.trim().split('\n')
  assert.match(lines[0]!, /^deployed ct1\S+ in block \d+$/)
  assert.equal(lines[1], 'increment returned 15')
  assert.match(lines[2]!, /^event Incremented \{"by":5,"count":15\} at height \d+$/)
  assert.equal(lines[3], 'get returns 15')
})

/**
 * Bad input to the commands that use a running node ends with one clear line and a non-zero
 * exit code: an unknown contract, bad JSON arguments, a contract that does not compile, a wrong
 * password, no node running.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatContractAddress } from '../../src/crypto/identity.js'
import { errorLine, REPO_ROOT, runChain, type RunResult } from '../helpers/cli.js'
import { startNode, waitFor } from '../helpers/node.js'

const COUNTER = join(REPO_ROOT, 'docs', 'examples', 'counter.js')
const NOWHERE = formatContractAddress(new Uint8Array(20).fill(0xee))

function oneLineError(run: RunResult, code: number, message: string | RegExp): void {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`)
  assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`)
  if (typeof message === 'string') assert.equal(errorLine(run.stderr), message)
  else assert.match(errorLine(run.stderr), message)
}

test('the node commands refuse bad input with one line and a non-zero exit code', async (t) => {
  const node = await startNode(t, { mine: true })
  await waitFor('registration', async () => ((await node.rpc.call<{ registered: boolean }>('getNonce', { id: node.id })).registered ? true : undefined), 90_000)

  const broken = join(node.datadir, 'broken.js')
  await writeFile(broken, 'export function get( { return 1 }\n')
  oneLineError(await node.cli(['contract', 'deploy', broken]), 2, /^.*broken\.js: SyntaxError: /)
  const importing = join(node.datadir, 'importing.js')
  await writeFile(importing, "import fs from 'fs'\nexport function get() { return 1 }\n")
  oneLineError(await node.cli(['contract', 'deploy', importing]), 2, /importing\.js: .+/)

  oneLineError(await node.cli(['contract', 'deploy', COUNTER, '--args', 'not json']), 2, /^--args is not valid JSON: /)
  oneLineError(await node.cli(['contract', 'deploy', COUNTER, '--args', '{"start": 1}']), 2, "--args must be a JSON array, e.g. '[5]'")
  oneLineError(await node.cli(['tx', 'send', '--to', 'ct1notanaddress', '--method', 'get']), 2, /^invalid contract address \(bad characters or checksum\): /)
  oneLineError(await node.cli(['contract', 'call', NOWHERE, 'get']), 1, `reverted: no contract is deployed at ${NOWHERE}`)

  // a call to an unknown contract is a valid transaction that reverts: without --gas the estimate
  // says so and nothing is sent; with --gas it is sent anyway, included, and exits 1
  oneLineError(
    await node.cli(['tx', 'send', '--to', NOWHERE, '--method', 'get']),
    1,
    `the transaction would fail on the node's pending state (reverted: no contract is deployed at ${NOWHERE}); nothing was sent. Give --gas N to send it anyway`,
  )
  const reverted = await node.cli(['tx', 'send', '--to', NOWHERE, '--method', 'get', '--gas', '100000', '--wait', '--json'])
  assert.equal(reverted.code, 1, reverted.stderr)
  const receipt = JSON.parse(reverted.stdout) as { status: string; error: string }
  assert.deepEqual({ status: receipt.status, error: receipt.error }, { status: 'reverted', error: `no contract is deployed at ${NOWHERE}` })

  const wrong = await runChain(['tx', 'send', '--to', NOWHERE, '--method', 'get', '--datadir', node.datadir], { env: { CHAIN_PASSWORD: 'not the password' } })
  oneLineError(wrong, 1, 'wrong password')

  const nowhere = join(node.datadir, 'no-node-here')
  oneLineError(await runChain(['status', '--datadir', nowhere]), 4, `no node is running on ${nowhere}: start one with \`chain node --datadir ${nowhere}\``)
  oneLineError(await runChain(['contract', 'call', NOWHERE, 'get', '--datadir', nowhere]), 4, `no node is running on ${nowhere}: start one with \`chain node --datadir ${nowhere}\``)
})

/**
 * Gas estimation: `contract deploy` and `tx send` without `--gas` run the transaction on the
 * node's pending state and send it with the gas it used plus 25%, saying so; the receipt then
 * uses exactly the estimate (execution is deterministic). A second transaction estimated while
 * the first is still pending sees the first's effects (its nonce follows it). `--gas`
 * overrides. A transaction that would fail is not sent.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { formatContractAddress } from '../../src/crypto/identity.js'
import { GAS_ESTIMATE_MARGIN } from '../../src/client/wallet.js'
import { REPO_ROOT } from '../helpers/cli.js'
import { startNode, waitFor } from '../helpers/node.js'

const COUNTER = join(REPO_ROOT, 'docs', 'examples', 'counter.js')
const NOWHERE = formatContractAddress(new Uint8Array(20).fill(0xee))
const STEP_TIMEOUT_MS = 90_000

interface Gas {
  readonly limit: number
  readonly estimated: number | null
}

test('deploy and send without --gas use the estimate on the pending state plus the margin; --gas overrides', async (t) => {
  const node = await startNode(t, { mine: true })
  await waitFor('registration', async () => ((await node.rpc.call<{ registered: boolean }>('getNonce', { id: node.id })).registered ? true : undefined), STEP_TIMEOUT_MS)

  const deployed = await node.cli(['contract', 'deploy', COUNTER, '--args', '[10]', '--wait', '--json'])
  assert.equal(deployed.code, 0, deployed.stderr)
  const deploy = JSON.parse(deployed.stdout) as { contract: string; gas: Gas; receipt: { status: string; gasUsed: number } }
  assert.equal(deploy.receipt.status, 'ok')
  assert.equal(deploy.receipt.gasUsed, deploy.gas.estimated, 'the deploy used what the estimate said')
  assert.equal(deploy.gas.limit, Math.ceil(deploy.gas.estimated! * (1 + GAS_ESTIMATE_MARGIN)))

  // Two calls in a row without waiting: the second is estimated on a pending state that has the first.
  const first = await node.cli(['tx', 'send', '--to', deploy.contract, '--method', 'increment', '--args', '[5]', '--json'])
  assert.equal(first.code, 0, first.stderr)
  const text = await node.cli(['tx', 'send', '--to', deploy.contract, '--method', 'increment', '--args', '[1]', '--wait'])
  assert.equal(text.code, 0, text.stderr)
  const [, limit, estimated] = /^gas limit (\d+) \(estimated (\d+) on the node's pending state, \+25%\)$/m.exec(text.stderr) ?? []
  assert.ok(limit !== undefined, `says what it chose: ${text.stderr}`)
  assert.match(text.stdout, new RegExp(`^ {2}result {3}16$`, 'm'))
  assert.match(text.stdout, new RegExp(`^ {2}gas used ${estimated} of ${limit}$`, 'm'))

  const given = await node.cli(['tx', 'send', '--to', deploy.contract, '--method', 'get', '--gas', '77777', '--json'])
  assert.equal(given.code, 0, given.stderr)
  assert.deepEqual((JSON.parse(given.stdout) as { gas: Gas }).gas, { limit: 77777, estimated: null })

  // Would revert: refused before sending (the account's next nonce does not move).
  const before = await node.rpc.call<{ next: number }>('getNonce', { id: node.id })
  const refused = await node.cli(['tx', 'send', '--to', NOWHERE, '--method', 'get', '--json'])
  assert.equal(refused.code, 1)
  assert.equal((JSON.parse(refused.stdout) as { error: { code: string } }).error.code, 'COMMAND_ERROR_FAILED')
  assert.equal((await node.rpc.call<{ next: number }>('getNonce', { id: node.id })).next, before.next)
})

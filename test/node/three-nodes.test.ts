import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { REPO_ROOT } from '../helpers/cli.js'
import { sample, scrape } from '../helpers/metrics.js'
import { startNode, waitFor, type TestNode } from '../helpers/node.js'

const COUNTER = join(REPO_ROOT, 'docs', 'examples', 'counter.js')
/** Registration, deploy and call each need a block or two: seconds on the dev network. */
const STEP_TIMEOUT_MS = 90_000

interface Status {
  readonly height: number
  readonly head: string
  readonly peers: number
}

const status = (node: TestNode): Promise<Status> => node.rpc.call<Status>('status')

async function registered(node: TestNode): Promise<boolean> {
  return (await node.rpc.call<{ registered: boolean }>('getNonce', { id: node.id })).registered
}

test('three nodes joined by --bootstrap agree on the chain and on a contract deployed through one and called through another; their metrics move', async (t) => {
  const flags = ['--metrics']
  const miner = await startNode(t, { mine: true, flags })
  const bootstrap = [miner.info.multiaddrs[0]!]
  const second = await startNode(t, { bootstrap, flags })
  const third = await startNode(t, { bootstrap, flags })
  const nodes = [miner, second, third]

  // every node is connected and registers its own identity by itself
  for (const node of nodes) {
    await waitFor('a peer', async () => ((await status(node)).peers > 0 ? true : undefined), STEP_TIMEOUT_MS)
  }
  for (const node of nodes) await waitFor('registration', async () => ((await registered(node)) ? true : undefined), STEP_TIMEOUT_MS)

  // `account show` asks the running node whether the identity is registered
  const shownAccount = await second.cli(['account', 'show', '--json'])
  const account = JSON.parse(shownAccount.stdout) as { id: string; registered: boolean | null; nonce: number | null }
  assert.equal(account.id, second.id)
  assert.equal(account.registered, true)
  assert.equal(account.nonce, 1, 'its registration is its one transaction so far')

  const before = await Promise.all(nodes.map(scrape))
  const deployed = await miner.cli(['contract', 'deploy', COUNTER, '--args', '[10]', '--wait', '--json'])
  assert.equal(deployed.code, 0, deployed.stderr)
  const deploy = JSON.parse(deployed.stdout) as { tx: string; contract: string; block: { height: number }; receipt: { status: string; result: unknown } }
  assert.equal(deploy.receipt.status, 'ok')
  assert.match(deploy.contract, /^ct1/)

  const sent = await second.cli(['tx', 'send', '--to', deploy.contract, '--method', 'increment', '--args', '[5]', '--wait', '--json'])
  assert.equal(sent.code, 0, sent.stderr)
  const call = JSON.parse(sent.stdout) as { tx: string; status: string; result: unknown; events: { name: string; data: unknown }[]; gasUsed: number; block: { height: number } }
  assert.equal(call.status, 'ok')
  assert.equal(call.result, 15)
  assert.deepEqual(call.events.map((event) => [event.name, event.data]), [['Incremented', { by: 5, count: 15 }]])
  assert.ok(call.gasUsed > 0)

  // all three reach the same chain: the same block, with the same state root, at a common height
  const height = call.block.height + 2
  const blocks = await Promise.all(
    nodes.map((node) =>
      waitFor(`height ${height}`, async () => {
        try {
          return await node.rpc.call<{ hash: string; stateRoot: string }>('getBlock', { block: height })
        } catch {
          return undefined
        }
      }, STEP_TIMEOUT_MS),
    ),
  )
  assert.equal(new Set(blocks.map((block) => block.hash)).size, 1, 'one block at that height on every node')
  assert.equal(new Set(blocks.map((block) => block.stateRoot)).size, 1)

  // Scraped again: blocks, gossip, admissions and executions were counted on every node.
  const after = await Promise.all(nodes.map(scrape))
  const moved = (index: number, name: string, ...labels: string[]): number => sample(after[index]!, name, ...labels) - sample(before[index]!, name, ...labels)
  for (const [index] of nodes.entries()) {
    assert.ok(moved(index, 'chain_head_height') >= 2, `node ${index}: the head rose`)
    assert.ok(moved(index, 'chain_block_imports_total', 'result="head"') >= 2, `node ${index}: imports counted`)
    assert.ok(moved(index, 'chain_block_import_duration_seconds_count') >= 2, `node ${index}: import times observed`)
    assert.ok(moved(index, 'chain_vm_executions_total', 'status="ok"') >= 2, `node ${index}: the deploy and the call executed`)
    assert.ok(moved(index, 'chain_vm_gas_used_total') > 0)
    assert.ok(moved(index, 'chain_block_gas_used_sum') > 0)
    assert.ok(sample(after[index]!, 'process_cpu_seconds_total') > 0, 'process metrics are there')
    for (const cache of ['cache="trie_nodes"', 'cache="state"', 'cache="leveldb"']) {
      const [held, limit] = [sample(after[index]!, 'chain_cache_bytes', cache), sample(after[index]!, 'chain_cache_limit_bytes', cache)]
      assert.ok(held > 0 && held <= limit, `node ${index}: the ${cache} cache holds ${held} bytes of its ${limit}`)
    }
  }
  // Who dialled whom is libp2p's business (a peer may dial back); the count by direction adds up.
  assert.equal(sample(after[0]!, 'chain_peers'), 2, 'the miner has both peers')
  for (const scraped of after) assert.equal(sample(scraped, 'chain_peers', 'direction="inbound"') + sample(scraped, 'chain_peers', 'direction="outbound"'), sample(scraped, 'chain_peers'))
  // The call entered through the second node's RPC and reached the others by gossip.
  assert.ok(moved(1, 'chain_mempool_admissions_total', 'result="admitted"') >= 1)
  assert.ok(moved(0, 'chain_gossip_messages_total', 'topic="tx"', 'verdict="accept"') >= 1, 'the miner accepted the gossiped call')
  assert.ok(moved(2, 'chain_gossip_messages_total', 'topic="block"', 'verdict="accept"') >= 2, 'the third node accepted gossiped blocks')

  // the read-only call gives the same answer through each node
  for (const node of nodes) {
    const answer = await node.cli(['contract', 'call', deploy.contract, 'get', '--at', String(height), '--json'])
    assert.equal(answer.code, 0, answer.stderr)
    assert.deepEqual(JSON.parse(answer.stdout), { result: 15 })
  }
  // and the transaction is visible, with its receipt, on a node that did not mine or send it
  const shown = await third.cli(['tx', 'show', call.tx, '--json'])
  assert.equal(shown.code, 0, shown.stderr)
  const tx = JSON.parse(shown.stdout) as { kind: string; method: string; receipt: { status: string; result: unknown } }
  assert.equal(tx.kind, 'contract-call')
  assert.equal(tx.method, 'increment')
  assert.deepEqual(tx.receipt.result, 15)
  // the same as text: the call and its receipt
  const text = await third.cli(['tx', 'show', call.tx])
  assert.equal(text.code, 0, text.stderr)
  for (const expected of [`  contract ${deploy.contract}`, '  method   increment', '  args     [5]', '  status   ok', '  result   15']) {
    assert.ok(text.stdout.split('\n').includes(expected), `tx show prints ${JSON.stringify(expected)}:\n${text.stdout}`)
  }
})

test('a node restarted on the same data dir keeps its peer id, head and state', async (t) => {
  const first = await startNode(t, { mine: true })
  await waitFor('registration', async () => ((await registered(first)) ? true : undefined), STEP_TIMEOUT_MS)
  const deployed = await first.cli(['contract', 'deploy', COUNTER, '--args', '[7]', '--wait', '--json'])
  assert.equal(deployed.code, 0, deployed.stderr)
  const { contract } = JSON.parse(deployed.stdout) as { contract: string }
  const before = await status(first)
  await first.stop()
  assert.equal(first.process.exitCode, 0, first.log().slice(-2000))

  // with the node stopped, `account show` reads the registration from the chain database
  const offline = await first.cli(['account', 'show', '--json'])
  assert.equal(offline.code, 0, offline.stderr)
  assert.deepEqual(
    (({ registered, nonce }) => ({ registered, nonce }))(JSON.parse(offline.stdout) as { registered: boolean; nonce: number }),
    { registered: true, nonce: 2 },
    'registered, then a deploy: two transactions',
  )

  const again = await startNode(t, { datadir: first.datadir, mine: false })
  assert.equal(again.info.peerId, first.info.peerId)
  const after = await status(again)
  assert.equal(after.height, before.height)
  assert.equal(after.head, before.head)
  const answer = await again.cli(['contract', 'call', contract, 'get', '--json'])
  assert.deepEqual(JSON.parse(answer.stdout), { result: 7 })
})

/**
 * Two partitions of the dev network mine separately and are then joined: every node ends on
 * the heavier chain with the same state, and the transactions that were only in the lighter
 * chain come back into its node's mempool and are mined into the heavier one.
 *
 * Partition A: a miner and a non-mining node. Partition B: one miner, which registers itself
 * and deploys a contract on its own chain, and stops; A mines on until its chain is clearly
 * heavier and longer than the gossip short-gap fetch reaches (64 blocks), so the sync
 * downloader does the join: B restarted with A as its bootstrap peer. A genesis with quarter-
 * second blocks makes that quick.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GENESIS_TIME_MS, tempDir } from '../helpers/chain.js'
import { REPO_ROOT } from '../helpers/cli.js'
import { startNode, waitFor, type TestNode } from '../helpers/node.js'

const COUNTER = join(REPO_ROOT, 'docs', 'examples', 'counter.js')
const STEP_TIMEOUT_MS = 120_000
/** Quarter-second blocks; difficulty settles from its easy start within a few seconds of mining. */
const GENESIS = {
  network: 'partition',
  timestamp: GENESIS_TIME_MS,
  params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: 250 },
  consensus: { type: 'pow', initialDifficulty: '1000', minimumDifficulty: '1000' },
  participants: [],
}
/** Longer than the gossip short-gap fetch reaches (the node's MAX_ANCESTOR_GAP, 64). */
const DEEP_FORK_BLOCKS = 80
/** Blocks on top before a block is compared across nodes: two miners race at the tip. */
const CONFIRMATIONS = 8

interface Status {
  readonly height: number
  readonly head: string
  readonly totalWork: string
}

interface TxView {
  readonly pending: boolean
  readonly block: { readonly hash: string; readonly height: number } | null
  readonly receipt: { readonly status: string } | null
}

const status = (node: TestNode): Promise<Status> => node.rpc.call<Status>('status')
const work = async (node: TestNode): Promise<bigint> => BigInt((await status(node)).totalWork)

async function registered(node: TestNode, on: TestNode = node): Promise<boolean> {
  return (await on.rpc.call<{ registered: boolean }>('getNonce', { id: node.id })).registered
}

/** The canonical block at `height` on `node`, once it has one. */
async function blockAt(node: TestNode, height: number): Promise<{ hash: string; stateRoot: string }> {
  return waitFor(
    `block ${height}`,
    async () => {
      try {
        return await node.rpc.call<{ hash: string; stateRoot: string }>('getBlock', { block: height })
      } catch {
        return undefined
      }
    },
    STEP_TIMEOUT_MS,
  )
}

test('two partitions mine apart, then join: all end on the heavier chain; the lighter chain’s transactions are mined again', async (t) => {
  const genesis = join(await tempDir(t), 'genesis.json')
  await writeFile(genesis, JSON.stringify(GENESIS))
  const a1 = await startNode(t, { genesis, mine: true })
  const a2 = await startNode(t, { genesis, bootstrap: [a1.info.multiaddrs[0]!] })
  const b = await startNode(t, { genesis, mine: true })
  for (const node of [a1, a2, b]) await waitFor('registration', async () => ((await registered(node)) ? true : undefined), STEP_TIMEOUT_MS)

  // A transaction only partition B has: a contract deployed on B's chain.
  const deployed = await b.cli(['contract', 'deploy', COUNTER, '--args', '[3]', '--wait', '--json'])
  assert.equal(deployed.code, 0, deployed.stderr)
  const deploy = JSON.parse(deployed.stdout) as { tx: string; contract: string }
  const bWork = await work(b)
  await b.stop()
  assert.equal(b.process.exitCode, 0, b.log().slice(-2000))

  // A mines on until its chain is clearly heavier than B's (B mined a little more before it
  // stopped), and deep enough that only the downloader can join them.
  const heavier = await waitFor(
    'partition A heavier and deep',
    async () => {
      const now = await status(a1)
      return BigInt(now.totalWork) > (bWork * 3n) / 2n && now.height > DEEP_FORK_BLOCKS ? now : undefined
    },
    STEP_TIMEOUT_MS,
  )
  assert.equal((await a1.rpc.call<TxView | undefined>('getTransaction', { hash: deploy.tx }).catch(() => undefined)), undefined, 'A never saw B’s deploy')

  // The join: B comes back, mining, with A as its peer.
  const joined = await startNode(t, { genesis, datadir: b.datadir, mine: true, bootstrap: [a1.info.multiaddrs[0]!] })
  const nodes = [a1, a2, joined]

  // B's deploy and its registration, reverted with its chain, are mined again into A's chain
  // (above the join-time head), and stay there: two miners race at the tip, so the block that
  // holds them must be CONFIRMATIONS deep before the nodes are compared.
  const included = await waitFor(
    'the deploy mined into the heavier chain, and buried',
    async () => {
      const view = await a1.rpc.call<TxView>('getTransaction', { hash: deploy.tx }).catch(() => undefined)
      if (view?.block === null || view?.block === undefined || view.block.height <= heavier.height) return undefined
      return (await status(a1)).height >= view.block.height + CONFIRMATIONS ? view : undefined
    },
    STEP_TIMEOUT_MS,
  )
  assert.equal(included.receipt?.status, 'ok')
  assert.match(joined.log(), /\] sync finished /)
  assert.match(joined.log(), /\] reorganised .*readmitted=[1-9]/)

  // Every node has the heavier chain's head of the join time, and the block with the deploy,
  // with the same state; B is registered there.
  const height = included.block!.height
  for (const node of nodes) await waitFor('blocks on top', async () => ((await status(node)).height >= height + CONFIRMATIONS ? true : undefined), STEP_TIMEOUT_MS)
  const blocks = await Promise.all(nodes.map((node) => blockAt(node, height)))
  assert.deepEqual(new Set(blocks.map((block) => block.hash)), new Set([included.block!.hash]), 'the same block on every node')
  assert.equal(new Set(blocks.map((block) => block.stateRoot)).size, 1)
  for (const node of nodes) assert.equal((await blockAt(node, heavier.height)).hash, heavier.head)
  for (const node of nodes) assert.ok(await registered(joined, node), 'B’s registration is on the heavier chain')
  const answers = await Promise.all(nodes.map((node) => node.cli(['contract', 'call', deploy.contract, 'get', '--at', String(height), '--json'])))
  for (const answer of answers) assert.deepEqual(JSON.parse(answer.stdout), { result: 3 })
})

/**
 * Proof-of-authority between real node processes on loopback: four signers and a follower
 * converge; the chain goes on with one signer stopped, waits without forking with two of four
 * stopped and goes on when one returns; a signer restarted with an empty data dir catches up
 * and signs again; votes add the follower as a signer (it then seals) and remove it again (it
 * then stops). Short block periods keep it to seconds of chain time.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runChain } from '../helpers/cli.js'
import { makeDatadir, startNode, waitFor, type TestNode } from '../helpers/node.js'

/** Half a second between blocks: quick, yet long enough for gossip on two busy cores. */
const PERIOD_MS = 500
/** Waits for blocks: generous, as five nodes share two cores with other test runs. */
const CHAIN_WAIT_MS = 90_000

interface Head {
  readonly height: number
  readonly head: string
}
interface BlockInfo {
  readonly hash: string
  readonly producer: string
}

const statusOf = (node: TestNode): Promise<Head & { consensus: { type: string; signers: number; signing: boolean } }> => node.rpc.call('status')
const blockAt = (node: TestNode, height: number): Promise<BlockInfo> => node.rpc.call<BlockInfo>('getBlock', { block: height })

async function publicKeyOf(datadir: string): Promise<string> {
  const listed = await runChain(['account', 'list', '--json', '--datadir', datadir])
  return (JSON.parse(listed.stdout) as { publicKey: string; identity: boolean }[]).find((a) => a.identity)!.publicKey
}

/** Waits until every node's head is at least `height`, then checks they agree on block `height`. */
async function converged(nodes: readonly TestNode[], height: number): Promise<BlockInfo> {
  await waitFor(`${nodes.length} nodes at height ${height}`, async () => {
    const heights = await Promise.all(nodes.map(async (n) => (await statusOf(n)).height))
    return heights.every((h) => h >= height) ? true : undefined
  }, CHAIN_WAIT_MS)
  return waitFor(`${nodes.length} nodes to agree on block ${height}`, async () => {
    const blocks = await Promise.all(nodes.map((n) => blockAt(n, height)))
    return blocks.every((b) => b.hash === blocks[0]!.hash) ? blocks[0]! : undefined
  }, CHAIN_WAIT_MS)
}

async function heightOf(node: TestNode): Promise<number> {
  return (await statusOf(node)).height
}

test('four signers and a follower: convergence, stopped signers, a fresh data dir, votes in and out', { timeout: 600_000 }, async (t) => {
  const dirs = await Promise.all([0, 1, 2, 3, 4].map(() => makeDatadir(t)))
  const keys = await Promise.all(dirs.map(publicKeyOf))
  const genesisPath = join(dirs[0]!, 'poa-genesis.json')
  const made = await runChain(['genesis', '--network', 'dev', '--consensus', 'poa', ...keys.slice(0, 4).flatMap((k) => ['--signer', k]), '--json', '--datadir', dirs[0]!])
  assert.equal(made.code, 0, made.stderr)
  const genesis = (JSON.parse(made.stdout) as { genesis: { params: { targetBlockTimeMs: number }; network: string } }).genesis
  genesis.network = 'poa-test'
  genesis.params.targetBlockTimeMs = PERIOD_MS
  await writeFile(genesisPath, JSON.stringify(genesis))

  const start = (datadir: string, bootstrap: readonly string[], flags: readonly string[] = []): Promise<TestNode> =>
    startNode(t, { datadir, genesis: genesisPath, bootstrap, mine: true, flags })
  const first = await start(dirs[0]!, [])
  const boot = first.info.multiaddrs
  const nodes = [first, ...(await Promise.all(dirs.slice(1).map((d) => start(d, boot))))]
  const [a, b, c, d, follower] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode]

  // All converge, and the status says who signs.
  await converged(nodes, 8)
  assert.deepEqual((await statusOf(a)).consensus, { type: 'poa', signers: 4, signing: true })
  assert.deepEqual((await statusOf(follower)).consensus, { type: 'poa', signers: 4, signing: false })

  // One signer stopped: the rest go on.
  await d.stop()
  const afterOne = (await heightOf(a)) + 6
  await converged([a, b, c, follower], afterOne)

  // Two of four stopped: at most floor(4/2)... a signer seals one block in any three, so two
  // signers stall within two blocks, on one chain.
  await c.stop()
  const stalled = await waitFor('the chain to stall with two of four signers', async () => {
    const before = await heightOf(a)
    await new Promise((resolve) => setTimeout(resolve, 6 * PERIOD_MS))
    return (await heightOf(a)) === before ? before : undefined
  }, CHAIN_WAIT_MS)
  const stallHead = await converged([a, b, follower], stalled)
  assert.equal((await blockAt(follower, stalled)).hash, stallHead.hash)

  // One returns: the chain goes on.
  const c2 = await start(dirs[2]!, boot)
  await converged([a, b, c2, follower], stalled + 4)

  // A signer restarted with an empty data dir (its keystore only) catches up and signs again.
  const fresh = await mkdtemp(join(tmpdir(), 'chain-node-'))
  t.after(() => rm(fresh, { recursive: true, force: true }))
  await cp(join(dirs[3]!, 'keystore'), join(fresh, 'keystore'), { recursive: true })
  await cp(join(dirs[3]!, 'password'), join(fresh, 'password'))
  const d2 = await start(fresh, boot)
  const rejoined = await heightOf(a)
  await converged([a, b, c2, d2, follower], rejoined)
  await waitFor('the restarted signer to seal a block', async () => {
    const top = await heightOf(d2)
    for (let h = top; h > rejoined; h--) if ((await blockAt(d2, h)).producer === d.id) return true
    return undefined
  }, CHAIN_WAIT_MS)

  // Votes add the follower (three of four signers vote), and it then seals.
  const live = [a, b, c2, d2]
  for (const signer of live.slice(0, 3)) {
    const voted = await signer.cli(['signers', 'vote', '--add', keys[4]!, '--json'])
    assert.equal(voted.code, 0, voted.stderr)
    assert.deepEqual(JSON.parse(voted.stdout), { target: { publicKey: keys[4], id: follower.id }, add: true, changesSomething: true, voterIsSigner: true })
  }
  await waitFor('the follower to become a signer', async () => ((await statusOf(follower)).consensus.signers === 5 ? true : undefined), CHAIN_WAIT_MS)
  const added = await heightOf(follower)
  await waitFor('the new signer to seal a block', async () => {
    const top = await heightOf(follower)
    for (let h = top; h > added; h--) if ((await blockAt(follower, h)).producer === follower.id) return true
    return undefined
  }, CHAIN_WAIT_MS)
  const listed = await follower.cli(['signers', '--json'])
  assert.equal(listed.code, 0, listed.stderr)
  const signers = JSON.parse(listed.stdout) as { signers: { publicKey: string }[]; self: { isSigner: boolean } }
  assert.deepEqual(signers.signers.map((s) => s.publicKey).sort(), [...keys].sort())
  assert.equal(signers.self.isSigner, true)

  // Votes remove it again (three of five), and it stops sealing.
  for (const signer of live.slice(0, 3)) {
    const voted = await signer.cli(['signers', 'vote', '--remove', keys[4]!, '--json'])
    assert.equal(voted.code, 0, voted.stderr)
  }
  await waitFor('the follower to be removed', async () => ((await statusOf(follower)).consensus.signers === 4 ? true : undefined), CHAIN_WAIT_MS)
  const removedAt = await heightOf(follower)
  const later = removedAt + 8
  await converged([...live, follower], later)
  for (let h = removedAt + 1; h <= later; h++) assert.notEqual((await blockAt(follower, h)).producer, follower.id, `block ${h}`)
  assert.equal((await statusOf(follower)).consensus.signing, false)
})

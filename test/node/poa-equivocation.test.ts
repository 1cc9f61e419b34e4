/**
 * Equivocation between real processes: a hostile peer (a real libp2p host of the network)
 * gossips two different blocks sealed by one signer at one height to a node. The node logs
 * both hashes, penalises the sender, does not relay the second, and both honest nodes still
 * end on one head once the next block (by the other signer, on the fork-choice winner) arrives.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { RPC } from '@libp2p/gossipsub/message'
import { lpStream } from '@libp2p/utils'
import { Chain } from '../../src/chain/chain.js'
import { produceBlock } from '../../src/chain/producer.js'
import { createConsensus } from '../../src/consensus/create.js'
import { signHeader } from '../../src/consensus/poa/poa.js'
import { toHex } from '../../src/encoding/bytes.js'
import { blockHash, encodeBlock, type Block } from '../../src/ledger/block.js'
import { compareKeys, genesisToJson, parseGenesis } from '../../src/ledger/genesis.js'
import { networkNames } from '../../src/network/names.js'
import { ContractVm } from '../../src/vm/vm.js'
import { GENESIS_TIME_MS, tempDir, testKey, type TestKey } from '../helpers/chain.js'
import { startNode, waitFor, type TestNode } from '../helpers/node.js'
import { startNetwork } from '../network/helpers.js'

const PERIOD_MS = 500
const STEP_TIMEOUT_MS = 60_000

const headOf = async (node: TestNode): Promise<string> => (await node.rpc.call<{ head: string }>('status')).head

test('two blocks by one signer at one height: logged, sender penalised, nodes converge', { timeout: 300_000 }, async (t) => {
  // Two signers the test holds (the nodes only follow), in turn order.
  const [first, second] = [testKey('equivocation x'), testKey('equivocation y')].sort((a, b) => compareKeys(a.publicKey, b.publicKey)) as [TestKey, TestKey]
  const genesis = parseGenesis(
    JSON.stringify({
      network: 'poa-equivocation',
      timestamp: GENESIS_TIME_MS,
      params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: PERIOD_MS },
      consensus: { type: 'poa', signers: [toHex(first.publicKey), toHex(second.publicKey)] },
    }),
  )
  const dir = await tempDir(t)
  const genesisPath = join(dir, 'genesis.json')
  await writeFile(genesisPath, JSON.stringify(genesisToJson(genesis)))

  // The blocks, made with the library: block 1 twice by the signer in turn at 1 (signers[1]),
  // differing only in time; block 2 by the other signer on whichever of the two fork choice prefers.
  const vm = new ContractVm()
  t.after(() => vm.close())
  const chain = await Chain.open({ path: join(dir, 'db'), genesis, consensus: createConsensus(genesis), vm, create: true })
  t.after(() => chain.close())
  const sealed = async (key: TestKey, timestamp: number, difficulty: bigint): Promise<Block> => {
    const { block } = await produceBlock(chain, [], key.id, timestamp)
    return { ...block, header: signHeader({ ...block.header, difficulty }, key.secretKey) }
  }
  const t1 = GENESIS_TIME_MS + PERIOD_MS
  const one = await sealed(second, t1, 2n)
  const other = await sealed(second, t1 + 1, 2n)
  await chain.importBlock(one)
  await chain.importBlock(other)
  const winner = toHex(chain.head.hash)
  const next = await sealed(first, chain.head.header.timestamp + PERIOD_MS, 2n)
  const [oneHash, otherHash, nextHash] = [one, other, next].map((b) => toHex(blockHash(b.header)))

  const n1 = await startNode(t, { genesis: genesisPath })
  const n2 = await startNode(t, { genesis: genesisPath, bootstrap: n1.info.multiaddrs })
  const hostile = await startNetwork(t, { networkId: chain.networkId, bootstrap: [n1.info.multiaddrs[0]!], maxBlockBytes: genesis.params.maxBlockBytes })
  await waitFor('the hostile peer among n1’s peers', async () => {
    const peers = await n1.rpc.call<{ peerId: string }[]>('peers')
    return peers.some((p) => p.peerId === hostile.peerId) ? true : undefined
  }, STEP_TIMEOUT_MS)
  const stream = lpStream(await hostile.libp2p.dialProtocol(peerIdFromString(n1.info.peerId), '/meshsub/1.1.0'))
  const topic = networkNames(chain.networkId).blockTopic
  const gossip = (block: Block): Promise<void> => stream.write(RPC.encode({ subscriptions: [], messages: [{ topic, data: encodeBlock(block) }] }))

  await gossip(one)
  await waitFor('both nodes at the first block 1', async () => ((await headOf(n1)) === oneHash && (await headOf(n2)) === oneHash ? true : undefined), STEP_TIMEOUT_MS)
  await gossip(other)
  const line = await waitFor('the equivocation logged', () => /equivocation: one signer sealed two blocks at one height .*/.exec(n1.log())?.[0], STEP_TIMEOUT_MS)
  assert.match(line, new RegExp(`from=${hostile.peerId} height=1 producer=${toHex(second.id)} first=${oneHash} second=${otherHash}`))
  await waitFor('the sender penalised', () => (n1.log().includes(`peer penalised peer=${hostile.peerId} reason=equivocation`) ? true : undefined), STEP_TIMEOUT_MS)
  // n1 holds both and follows fork choice; n2 never got the second (it was not relayed).
  await waitFor('n1 on the fork-choice winner', async () => ((await headOf(n1)) === winner ? true : undefined), STEP_TIMEOUT_MS)
  assert.equal(await headOf(n2), oneHash)

  await gossip(next)
  await waitFor('both nodes on block 2', async () => ((await headOf(n1)) === nextHash && (await headOf(n2)) === nextHash ? true : undefined), STEP_TIMEOUT_MS)
})

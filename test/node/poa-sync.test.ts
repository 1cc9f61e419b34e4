/**
 * Proof-of-authority between real node processes, the slower cases: a late joiner syncs a
 * 3,000-block chain (six checkpoints) from three peers, checking every signature at import;
 * a 3|1 partition of four signers heals to one head (the lone signer seals at most one block,
 * then waits: it cannot outweigh the three).
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Chain } from '../../src/chain/chain.js'
import { produceBlock } from '../../src/chain/producer.js'
import { createConsensus } from '../../src/consensus/create.js'
import { signHeader } from '../../src/consensus/poa/poa.js'
import { toHex } from '../../src/encoding/bytes.js'
import { genesisToJson, parseGenesis } from '../../src/ledger/genesis.js'
import { chainDbDir } from '../../src/node/datadir.js'
import { ContractVm } from '../../src/vm/vm.js'
import { GENESIS_TIME_MS, tempDir, testKey } from '../helpers/chain.js'
import { runChain } from '../helpers/cli.js'
import { makeDatadir, startNode, waitFor, waitForLog, type TestNode } from '../helpers/node.js'
import { copyChain } from '../sync/fixtures.js'

const LENGTH = 3_000
const PERIOD_MS = 100
/** A sync of 3,000 blocks on two busy cores: tens of seconds; bounded generously. */
const SYNC_TIMEOUT_MS = 240_000
const CHAIN_WAIT_MS = 90_000

interface Status {
  readonly height: number
  readonly head: string
  readonly consensus: { readonly type: string; readonly signers: number; readonly signing: boolean }
}
const status = (node: TestNode): Promise<Status> => node.rpc.call<Status>('status')

function poaGenesis(network: string, signers: readonly string[], periodMs: number, epoch: number) {
  return parseGenesis(
    JSON.stringify({
      network,
      timestamp: GENESIS_TIME_MS,
      params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: periodMs },
      consensus: { type: 'poa', signers, epoch },
    }),
  )
}

async function writeGenesis(t: TestContext, genesis: object): Promise<string> {
  const path = join(await tempDir(t), 'genesis.json')
  await writeFile(path, JSON.stringify(genesis))
  return path
}

test('a late joiner syncs a 3,000-block proof-of-authority chain from three peers', { timeout: 600_000 }, async (t) => {
  const signer = testKey('poa sync signer')
  const genesis = poaGenesis('poa-sync', [toHex(signer.publicKey)], PERIOD_MS, 500)
  // The chain, built with the library by its one signer (whose key no node holds: they follow).
  const path = join(await tempDir(t), 'db')
  const vm = new ContractVm()
  const chain = await Chain.open({ path, genesis, consensus: createConsensus(genesis, { signerKey: signer.secretKey }), vm, create: true })
  for (let i = 0; i < LENGTH; i++) {
    const { block } = await produceBlock(chain, [], signer.id, chain.head.header.timestamp + PERIOD_MS)
    const result = await chain.importBlock({ ...block, header: signHeader(block.header, signer.secretKey) })
    assert.equal(result.status, 'head')
  }
  const head = toHex(chain.head.hash)
  await chain.close()
  vm.close()

  const genesisPath = await writeGenesis(t, genesisToJson(genesis))
  const sources = await Promise.all(
    [0, 1, 2].map(async () => {
      const datadir = await makeDatadir(t)
      await copyChain(path, chainDbDir(datadir, genesis.network))
      return startNode(t, { genesis: genesisPath, datadir })
    }),
  )
  const source = await status(sources[0]!)
  assert.deepEqual([source.height, source.head, source.consensus], [LENGTH, head, { type: 'poa', signers: 1, signing: false }])
  const joiner = await startNode(t, { genesis: genesisPath, bootstrap: sources.map((s) => s.info.multiaddrs[0]!) })
  await waitFor('the late joiner at the head', async () => ((await status(joiner)).head === head ? true : undefined), SYNC_TIMEOUT_MS)
  // The run logs its end just after the last import makes the head: wait for the line.
  await waitForLog(joiner, /\] sync finished .*imported=3000/)
  const servers = new Set([...joiner.log().matchAll(/\] headers stored peer=(\S+)/g)].map((m) => m[1]))
  assert.ok(servers.size >= 2, `headers came from ${servers.size} peers`)
})

test('a 3|1 partition of four signers heals to one head', { timeout: 600_000 }, async (t) => {
  const dirs = await Promise.all([0, 1, 2, 3].map(() => makeDatadir(t)))
  const keys = await Promise.all(
    dirs.map(async (datadir) => {
      const listed = await runChain(['account', 'list', '--json', '--datadir', datadir])
      return (JSON.parse(listed.stdout) as { publicKey: string }[])[0]!.publicKey
    }),
  )
  const genesisPath = await writeGenesis(t, genesisToJson(poaGenesis('poa-partition', keys, 500, 1_000)))
  const start = (datadir: string, bootstrap: readonly string[]): Promise<TestNode> => startNode(t, { datadir, genesis: genesisPath, bootstrap, mine: true })
  // The lone signer, with no peers: it may seal one block in any three, so at most one here.
  const lone = await start(dirs[3]!, [])
  const a = await start(dirs[0]!, [])
  const majority = [a, ...(await Promise.all(dirs.slice(1, 3).map((d) => start(d, a.info.multiaddrs))))]
  await waitFor('the three to pass height 8', async () => ((await status(a)).height >= 8 ? true : undefined), CHAIN_WAIT_MS)
  assert.ok((await status(lone)).height <= 1, 'the lone signer stops after at most one block')

  // Heal: the lone signer restarts joined to the others and takes their (heavier) chain.
  await lone.stop()
  const healed = await start(dirs[3]!, [a.info.multiaddrs[0]!])
  const all = [...majority, healed]
  const target = (await status(a)).height + 3
  await waitFor('one head at the same height on all four', async () => {
    const heads = await Promise.all(all.map(status))
    return heads.every((h) => h.height >= target) ? true : undefined
  }, CHAIN_WAIT_MS)
  await waitFor('all four agree on block ' + target, async () => {
    const blocks = await Promise.all(all.map((n) => n.rpc.call<{ hash: string }>('getBlock', { block: target })))
    return blocks.every((b) => b.hash === blocks[0]!.hash) ? true : undefined
  }, CHAIN_WAIT_MS)
  const first = await Promise.all(all.map((n) => n.rpc.call<{ hash: string }>('getBlock', { block: 1 })))
  assert.ok(first.every((b) => b.hash === first[0]!.hash), 'the lone signer’s block 1 was replaced')
})

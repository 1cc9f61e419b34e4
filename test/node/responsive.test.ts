/**
 * A node keeps answering while it imports a block whose contracts run for seconds: contract
 * execution happens on the sandbox thread, and the node's thread waits for it without blocking
 * its event loop. A real `chain node` process syncs such a block from another; meanwhile the
 * test asks it for its status over RPC and pings it over libp2p from a host of the network.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { contractAddressOf } from '../../src/crypto/identity.js'
import { genesisToJson } from '../../src/ledger/genesis.js'
import { registrationPayload } from '../../src/ledger/encryption-key.js'
import { createNetwork } from '../../src/network/network.js'
import { chainDbDir } from '../../src/node/datadir.js'
import { extendChain, openTestChain, signed, tempDir, testGenesis, testKey } from '../helpers/chain.js'
import { makeDatadir, startNode, waitFor, type TestNode } from '../helpers/node.js'
import { copyChain, lyingReader } from '../sync/fixtures.js'

/** Gas of the heavy block: seconds of contract execution on these machines (~2-7 ms a million). */
const HEAVY_BLOCK_GAS = 2_500_000_000
const BURNS = 10
const GENESIS = testGenesis({ blockGasLimit: HEAVY_BLOCK_GAS })
const BURNER = 'export function burn() { for (;;) {} }'
/** Longest the node may leave a status request or a ping unanswered while it imports. */
const MAX_SILENCE_MS = 1_000
const WAIT_MS = 120_000
const PING_TIMEOUT_MS = 10_000

interface Status {
  readonly height: number
}

test('a node answers RPC and libp2p pings while it imports a block that takes seconds', async (t) => {
  // The source chain: a registration and a deploy, then one block of out-of-gas burns.
  const dir = join(await tempDir(t), 'db')
  const chain = await openTestChain(t, GENESIS, dir)
  const alice = testKey('responsive alice')
  const burner = contractAddressOf(alice.id, 1)
  await extendChain(chain, 1, () => [signed(chain, alice, 0, registrationPayload(alice.secretKey, null, undefined, chain.networkId))])
  await extendChain(chain, 1, () => [signed(chain, alice, 1, { kind: 'contract-deploy', code: BURNER, args: '[]' })])
  const burns = Array.from({ length: BURNS }, (_, i) => signed(chain, alice, 2 + i, { kind: 'contract-call', contract: burner, method: 'burn', args: '[]' }, HEAVY_BLOCK_GAS / BURNS))
  const [heavy] = await extendChain(chain, 1, () => burns)
  const height = heavy!.header.height
  await chain.close()

  const genesis = join(await tempDir(t), 'genesis.json')
  await writeFile(genesis, JSON.stringify(genesisToJson(GENESIS)))
  const sourceDir = await makeDatadir(t)
  await copyChain(dir, chainDbDir(sourceDir, GENESIS.network))
  const source = await startNode(t, { genesis, datadir: sourceDir })
  const node = await startNode(t, { genesis, bootstrap: [source.info.multiaddrs[0]!] })

  // The pinger: a libp2p host of this network (with a chain of its own, at genesis), so that
  // the node keeps its connection; it pings over libp2p's ping protocol.
  const pinger = await createNetwork(
    {
      peerKey: await generateKeyPair('Ed25519'),
      networkId: chain.networkId,
      chain: lyingReader(await openTestChain(t, GENESIS), {}),
      pending: () => [],
      validateBlock: () => Promise.resolve('ignore'),
      validateTransactions: () => Promise.resolve('ignore'),
    },
    { maxBlockBytes: GENESIS.params.maxBlockBytes, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false },
  )
  t.after(() => pinger.stop())
  await pinger.start()
  const target = multiaddr(node.info.multiaddrs[0])
  const pingOnce = (): Promise<number> => pinger.libp2p.services.ping.ping(target, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })

  // Answers (RPC and ping) with the time each took, and the node's height when RPC answered.
  const answers: { at: number; tookMs: number; height: number | undefined }[] = []
  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; at: number; tookMs: number }> => {
    const started = performance.now()
    const value = await work()
    return { value, at: performance.now(), tookMs: performance.now() - started }
  }
  await waitFor(
    `height ${height} on the syncing node`,
    async () => {
      const [rpc, pinged] = await Promise.all([timed(async () => (await status(node)).height), timed(pingOnce)])
      answers.push({ at: rpc.at, tookMs: rpc.tookMs, height: rpc.value }, { at: pinged.at, tookMs: pinged.tookMs, height: undefined })
      return rpc.value === height ? true : undefined
    },
    WAIT_MS,
  )

  // The heavy block's download and import: from the first answer at the height below it to the
  // first at its height.
  const before = answers.findIndex((answer) => answer.height === height - 1)
  const after = answers.findIndex((answer) => answer.height === height)
  assert.ok(before >= 0 && before < after, 'the node was seen below the heavy block, then at it')
  const during = answers.slice(before, after + 1)
  const importMs = answers[after]!.at - answers[before]!.at
  assert.ok(importMs > 2 * MAX_SILENCE_MS, `the heavy block's import took ${Math.round(importMs)} ms: too short to show anything`)
  const slowest = Math.max(...during.map((answer) => answer.tookMs))
  assert.ok(slowest < MAX_SILENCE_MS, `an answer took ${Math.round(slowest)} ms while the block imported`)
  assert.ok(during.filter((answer) => answer.height === undefined).length >= 3, 'pings answered during the import')
  assert.ok(during.filter((answer) => answer.height !== undefined).length >= 3, 'status answered during the import')
})

const status = (node: TestNode): Promise<Status> => node.rpc.call<Status>('status')

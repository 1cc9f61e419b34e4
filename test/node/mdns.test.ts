/**
 * mDNS at node level: two `chain node` processes given no --bootstrap (mDNS on, the DHT off)
 * find each other on this machine's multicast and work as peers. Skipped, with the reason,
 * where the machine has no multicast (the probe of test/helpers/multicast.ts).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { genesisToJson } from '../../src/ledger/genesis.js'
import { BUILT_IN_NETWORKS } from '../../src/ledger/networks.js'
import { tempDir } from '../helpers/chain.js'
import { multicastUnavailable } from '../helpers/multicast.js'
import { startNode, waitFor, type TestNode } from '../helpers/node.js'

/**
 * A node queries at start and then every 10 s (MDNS_INTERVAL_MS), and every responder answers
 * each query: a lost datagram is retried by the next query, so a minute is six tries.
 */
const DISCOVERY_TIMEOUT_MS = 60_000
const BLOCK_TIMEOUT_MS = 60_000

interface PeerView {
  readonly peerId: string
  readonly addresses: readonly string[]
}

const peersOf = (node: TestNode): Promise<PeerView[]> => node.rpc.call<PeerView[]>('peers')

test('two nodes with no --bootstrap find each other by mDNS and share blocks', async (t) => {
  const noMulticast = await multicastUnavailable()
  if (noMulticast !== undefined) {
    console.log(`# skipping the node mDNS test: ${noMulticast}`)
    t.skip(noMulticast)
    return
  }
  // The dev network's rules under a name of this run's own: another network id, so another
  // mDNS service name, which no other node on this machine or LAN (a quick start, another
  // test run) answers to.
  const genesis = join(await tempDir(t), 'genesis.json')
  const network = `mdns-${randomBytes(4).toString('hex')}`
  await writeFile(genesis, JSON.stringify({ ...genesisToJson(BUILT_IN_NETWORKS.dev!), network }))
  // `--mdns` after the helper's `--no-mdns`: the last one given wins. The DHT stays off, and
  // there is no bootstrap address: mDNS is the only way these two can meet.
  const miner = await startNode(t, { genesis, mine: true, flags: ['--mdns'] })
  const other = await startNode(t, { genesis, flags: ['--mdns'] })
  assert.equal(miner.info.network, network)
  for (const [node, peer] of [[miner, other], [other, miner]] as const) {
    const seen = await waitFor(
      `${node.info.peerId} to connect to ${peer.info.peerId}`,
      async () => (await peersOf(node)).find((view) => view.peerId === peer.info.peerId),
      DISCOVERY_TIMEOUT_MS,
    )
    // Both listen on 127.0.0.1 only, so that is what they announced and dialed.
    assert.ok(seen.addresses.every((address) => address.startsWith('/ip4/127.0.0.1/tcp/')), seen.addresses.join(' '))
  }

  // And they are peers in earnest: a block mined by one is gossiped to the other.
  const { height } = await waitFor(
    'a block mined after the connection',
    async () => {
      const status = await miner.rpc.call<{ height: number }>('status')
      return status.height > 0 ? status : undefined
    },
    BLOCK_TIMEOUT_MS,
  )
  const block = await miner.rpc.call<{ hash: string }>('getBlock', { block: height })
  const there = await waitFor(
    `block ${height} at the other node`,
    async () => {
      try {
        return await other.rpc.call<{ hash: string }>('getBlock', { block: height })
      } catch {
        return undefined
      }
    },
    BLOCK_TIMEOUT_MS,
  )
  assert.equal(there.hash, block.hash)
})

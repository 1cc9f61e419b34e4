/**
 * The sync downloader between real `chain node` processes on loopback: a new node catches up
 * with a 3,000-block chain of mixed transactions from three peers; a node killed with SIGKILL
 * half way resumes without fetching again what it stored; a peer that lies (a real libp2p
 * host with a lying chain reader) is penalised while the sync finishes from the others.
 * The source chain is built with the library at difficulty 1 and copied into each peer's data
 * dir before its node starts.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Chain } from '../../src/chain/chain.js'
import { createConsensus } from '../../src/consensus/create.js'
import { genesisToJson } from '../../src/ledger/genesis.js'
import { createNetwork } from '../../src/network/network.js'
import { chainDbDir } from '../../src/node/datadir.js'
import { ContractVm } from '../../src/vm/vm.js'
import { tempDir, testGenesis } from '../helpers/chain.js'
import { makeDatadir, startNode, waitFor, waitForLog, type TestNode } from '../helpers/node.js'
import { copyChain, fixtureChain, lyingReader } from '../sync/fixtures.js'

const GENESIS = testGenesis()
const LENGTH = 3_000
/** A sync of 3,000 blocks on two busy cores: tens of seconds; bounded generously. */
const SYNC_TIMEOUT_MS = 180_000
const START_TIMEOUT_MS = 60_000

interface Status {
  readonly height: number
  readonly head: string
  readonly syncing: false | { readonly target: number; readonly current: number }
}

const status = (node: TestNode): Promise<Status> => node.rpc.call<Status>('status')

/** A data dir with an identity and a copy of the fixture chain, for a node of the test network. */
async function datadirWithChain(t: TestContext, chainPath: string): Promise<string> {
  const datadir = await makeDatadir(t)
  await copyChain(chainPath, chainDbDir(datadir, GENESIS.network))
  return datadir
}

async function genesisFile(t: TestContext): Promise<string> {
  const path = join(await tempDir(t), 'genesis.json')
  await writeFile(path, JSON.stringify(genesisToJson(GENESIS)))
  return path
}

/** Waits until `node` is at `height` with head `head`, noting every `syncing` it reports on the way. */
async function waitForHead(node: TestNode, height: number, head: string, seen: Status['syncing'][] = []): Promise<void> {
  await waitFor(
    `height ${height}`,
    async () => {
      const now = await status(node)
      if (now.syncing !== false) seen.push(now.syncing)
      return now.height === height && now.head === head ? true : undefined
    },
    SYNC_TIMEOUT_MS,
  )
}

interface Stored {
  readonly kind: 'headers' | 'bodies'
  readonly peer: string
  /** Heights covered. */
  readonly heights: number[]
}

/** The batches a node's log says it stored (debug lines of src/sync/run.ts). */
function storedBatches(log: string): Stored[] {
  return [...log.matchAll(/\] (headers|bodies) stored peer=(\S+) (top|from)=(\d+) count=(\d+)/g)].map((match) => {
    const [, kind, peer, anchor, first, count] = match as unknown as [string, 'headers' | 'bodies', string, 'top' | 'from', string, string]
    const n = Number(count)
    const start = anchor === 'top' ? Number(first) - n + 1 : Number(first)
    return { kind, peer, heights: Array.from({ length: n }, (_, i) => start + i) }
  })
}

/** The heights a node's log says it asked for (`kind` requested), expanded. */
function requestedHeights(log: string, kind: 'headers' | 'bodies'): number[] {
  const pattern = kind === 'headers' ? /\] headers requested peer=\S+ top=(\d+) count=(\d+)/g : /\] bodies requested peer=\S+ from=(\d+) count=(\d+)/g
  return [...log.matchAll(pattern)].flatMap(([, first, count]) => {
    const n = Number(count)
    const start = kind === 'headers' ? Number(first) - n + 1 : Number(first)
    return Array.from({ length: n }, (_, i) => start + i)
  })
}

test('sync between node processes: three peers, a kill half way, a lying peer', async (t) => {
  const fixture = await fixtureChain(GENESIS, { length: LENGTH })
  const genesis = await genesisFile(t)
  const sources = await Promise.all([0, 1, 2].map(async () => startNode(t, { genesis, datadir: await datadirWithChain(t, fixture.path) })))
  const target = await status(sources[0]!)
  assert.equal(target.height, LENGTH)
  const bootstrap = sources.map((node) => node.info.multiaddrs[0]!)
  const stateRoot = async (node: TestNode): Promise<string> => (await node.rpc.call<{ stateRoot: string }>('getBlock', { block: LENGTH })).stateRoot
  const expectedRoot = await stateRoot(sources[0]!)

  await t.test('a new node syncs from three peers, each serving batches, to the same head and state root', async (t) => {
    const node = await startNode(t, { genesis, bootstrap })
    const seen: Status['syncing'][] = []
    await waitForHead(node, LENGTH, target.head, seen)
    assert.equal(await stateRoot(node), expectedRoot)
    assert.ok(seen.some((sync) => sync !== false && sync.target === LENGTH && sync.current < LENGTH), '`status` showed the sync with its target')
    assert.equal((await status(node)).syncing, false)
    const servers = new Set(storedBatches(node.log()).map((batch) => batch.peer))
    assert.deepEqual([...servers].sort(), sources.map((source) => source.info.peerId).sort(), 'every peer served batches')
    await waitForLog(node, /\] sync finished .*imported=3000/)
  })

  await t.test('a node killed with SIGKILL half way resumes without fetching what it stored, and ends on the same head', async (t) => {
    const first = await startNode(t, { genesis, bootstrap })
    await waitFor('half the chain imported', async () => ((await status(first)).height >= LENGTH / 2 ? true : undefined), SYNC_TIMEOUT_MS)
    first.process.kill('SIGKILL')
    await waitFor('the kill', () => (first.process.signalCode === null ? undefined : true), START_TIMEOUT_MS)
    const before = storedBatches(first.log())
    const storedHeaders = new Set(before.filter((batch) => batch.kind === 'headers').flatMap((batch) => batch.heights))
    const storedBodies = new Set(before.filter((batch) => batch.kind === 'bodies').flatMap((batch) => batch.heights))
    assert.equal(storedHeaders.size, LENGTH, 'every header was stored before the import began')
    assert.ok(storedBodies.size >= LENGTH / 2)

    const again = await startNode(t, { genesis, bootstrap, datadir: first.datadir })
    await waitForHead(again, LENGTH, target.head)
    assert.equal(await stateRoot(again), expectedRoot)
    assert.match(again.log(), /\] sync resumed /)
    assert.deepEqual(requestedHeights(again.log(), 'headers'), [], 'no header asked for again')
    const refetched = requestedHeights(again.log(), 'bodies').filter((height) => storedBodies.has(height))
    assert.deepEqual(refetched, [], 'no stored body asked for again')
    await waitForLog(again, /\] sync finished .*"downloaded":0,"restored":\d+/)
  })

  await t.test('a peer serving wrong headers and bodies is penalised; the sync finishes from the other two', async (t) => {
    // The liar: a real libp2p host of this network whose chain reader lies (test/sync/fixtures.ts).
    const vm = new ContractVm()
    t.after(() => vm.close())
    const path = join(await tempDir(t), 'db')
    await copyChain(fixture.path, path)
    const chain = await Chain.open({ path, genesis: GENESIS, consensus: createConsensus(GENESIS), vm })
    t.after(() => chain.close())
    const liar = await createNetwork(
      {
        peerKey: await generateKeyPair('Ed25519'),
        networkId: chain.networkId,
        chain: lyingReader(chain, { headers: true, bodies: true }),
        pending: () => [],
        validateBlock: () => Promise.resolve('ignore'),
        validateTransactions: () => Promise.resolve('ignore'),
      },
      { maxBlockBytes: GENESIS.params.maxBlockBytes, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: false },
    )
    t.after(() => liar.stop())
    await liar.start()

    const node = await startNode(t, { genesis, bootstrap: [bootstrap[0]!, bootstrap[1]!, liar.multiaddrs()[0]!] })
    await waitForHead(node, LENGTH, target.head)
    assert.equal(await stateRoot(node), expectedRoot)
    const penalised = [...node.log().matchAll(/\] peer penalised peer=(\S+) reason=(\S+)/g)].map(([, peer, reason]) => `${peer === liar.peerId ? 'liar' : peer} ${reason}`)
    assert.ok(penalised.includes('liar bad-response'), penalised.join(', '))
    assert.deepEqual(penalised.filter((line) => !line.startsWith('liar')), [], 'no honest peer penalised')
    const servers = new Set(storedBatches(node.log()).map((batch) => batch.peer))
    assert.ok(servers.has(sources[0]!.info.peerId) && servers.has(sources[1]!.info.peerId))
  })
})

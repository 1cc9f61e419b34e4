/**
 * Block propagation on loopback, for the node benchmark: five `chain node` processes in a line
 * joined by --bootstrap, the one at an end sealing blocks (proof-of-authority, its only signer,
 * a block a second), and the first arrival of each block at the four others; beside it, the
 * same line of raw libp2p hosts, whose validators accept at once (gossipsub's own relay,
 * without decoding's cost beyond the network layer's, validation or import), each in a process
 * of its own as the nodes are, and once more all five in one process.
 *
 * A block's arrival at a node is when gossipsub hands it to the node's validator: the same point
 * as the raw line's arrival, after every node before it checked and relayed it. The nodes log
 * it at debug level once the block is relayed (`gossiped block checked`, with `checkMs`, the
 * validator's start to its verdict, and `relayMs`, the verdict to the line; millisecond
 * timestamps), and the miner logs each block's origin just before it publishes it; a libp2p
 * observer would be one more peer that short-cuts the line and sees only the first copy of each
 * message, not each node's. Blocks a node got another way (its short-gap fetch) have no such
 * line and are left out.
 *
 * Each node's import of the block is read from its log too (`imported a block`): that figure
 * adds the last node's execution and store write, which the raw line never does. The nodes are
 * polled only to know when the last block has reached them all, seldom: a poll is work for the
 * node, and the figures do not depend on it.
 *
 * Proof-of-authority, not the dev network's proof-of-work: a miner's search keeps one of this
 * machine's two cores busy, so every node of the line would wait for the other one to be
 * scheduled, a cost of the machine the raw line does not share.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { toHex } from '../src/encoding/bytes.js'
import { BUILT_IN_NETWORKS } from '../src/ledger/networks.js'
import type { Network } from '../src/network/network.js'
import { makeDatadir, startNode, waitFor, type TestNode } from '../test/helpers/node.js'
import { runChain } from '../test/helpers/cli.js'
import { sampleBlock } from '../test/network/helpers.js'
import { forkProgram, type ChildProgram } from './child-program.js'
import { startHost, type Cleanups } from './node-processes.js'
import type { HostReply, HostRequest } from './raw-host-process.js'

/** Nodes in the line: the miner and four others, one to four hops from it. */
export const LINE_NODES = 5
/** Blocks sealed before measuring: the nodes' code warm, their connections settled. */
const WARMUP_HEIGHT = 20
/** The line's block period. */
const PERIOD_MS = 1_000
/** How often the line is looked at while the measured blocks cross it. */
const WATCH_INTERVAL_MS = 1_000
/** Heartbeats of gossipsub (one a second) before the raw line's mesh is formed. */
const MESH_SETTLE_MS = 3_000
/** Between two messages of the raw line: apart, as blocks are, not a burst. */
const RAW_MESSAGE_INTERVAL_MS = 100
/** A bound on every wait of this benchmark: a node start, the warm-up, one block. */
const WAIT_MS = 180_000

export interface Arrivals {
  /** First arrival after the block left its origin, ms, one per (block, receiver). */
  readonly samples: readonly number[]
  /** The same, by hops from the origin (index 0: one hop). */
  readonly byHop: readonly (readonly number[])[]
}

export interface Propagation extends Arrivals {
  readonly blocks: number
  /** Node line only: when each receiver had imported the block (from its log). */
  readonly imported?: Arrivals
  /** Where each hop's time goes, from the nodes' logs, ms, one per (block, receiver) (node line only). */
  readonly stages?: HopStages
}

/**
 * One hop of a block, from the receiver's debug lines (millisecond timestamps): `link`, from
 * the sender's verdict (the signer's `sealed a block`, or the previous node's `checked` less its
 * `relayMs`) to the receiver's validator starting (its `checked` less `relayMs` and `checkMs`):
 * gossipsub's relay, the wire and waiting for the event loop; `check`, the validator up to its
 * verdict (decoding aside); `execute`, from the verdict to `imported a block` (execution and
 * the store's write).
 */
export interface HopStages {
  readonly link: readonly number[]
  readonly check: readonly number[]
  readonly execute: readonly number[]
}

const heightOf = async (node: TestNode): Promise<number> => (await node.rpc.call<{ height: number }>('status')).height
const peerCount = async (node: TestNode): Promise<number> => (await node.rpc.call<unknown[]>('peers')).length

/** When the miner logged each block it mined (ms since the epoch), by height. */
function minedAt(miner: TestNode): Map<number, { at: number; hash: string }> {
  const mined = new Map<number, { at: number; hash: string }>()
  for (const match of miner.log().matchAll(/^(\S+Z) \w+ +\[node:mining\] sealed a block height=(\d+) hash=(\w+)/gm)) {
    mined.set(Number(match[2]), { at: Date.parse(match[1]!), hash: match[3]! })
  }
  return mined
}

/** A block's moments at one node, ms since the epoch: its validator's start, and its verdict (`checked` lines) or its import (`imported`, both the same). */
interface Logged {
  readonly received: number
  readonly done: number
}

/** When `node` logged `line` for each block, by hash prefix. */
function logged(node: TestNode, line: 'checked' | 'imported'): Map<string, Logged> {
  const pattern =
    line === 'checked'
      ? /^(\S+Z) DEBUG \[node\] gossiped block checked, executing from=\S+ height=\d+ hash=(\w+) verdict=accept checkMs=(\S+) relayMs=(\S+)/gm
      : /^(\S+Z) INFO +\[node\] imported a block from=\S+ height=\d+ hash=(\w+)/gm
  const times = new Map<string, Logged>()
  for (const match of node.log().matchAll(pattern)) {
    const done = Date.parse(match[1]!) - Number(match[4] ?? 0)
    times.set(match[2]!, { received: done - Number(match[3] ?? 0), done })
  }
  return times
}

/**
 * Each block of `hashes` (full hex) at each receiver, ms after its origin, by hop: at its
 * validator's start (from `checked`) or imported (`imported`); blocks a receiver
 * did not log are left out.
 */
function arrivalsLogged(line: readonly TestNode[], point: 'checked' | 'imported', origin: (hash: string) => number, hashes: readonly string[]): Arrivals {
  const byHop = line.slice(1).map((node) => {
    const times = logged(node, point)
    return hashes.flatMap((full) => {
      const hash = full.slice(0, 12)
      const at = times.get(hash)
      return at === undefined ? [] : [at.received - origin(hash)]
    })
  })
  return { samples: byHop.flat(), byHop }
}

/** The stages of each hop of `hashes` (full hex) along `line`, the origin first; hops a node did not log are left out. */
function hopStages(line: readonly TestNode[], origin: (hash: string) => number, hashes: readonly string[]): HopStages {
  const checked = line.map((node) => logged(node, 'checked'))
  const imported = line.map((node) => logged(node, 'imported'))
  const stages = { link: [] as number[], check: [] as number[], execute: [] as number[] }
  for (const hash of hashes.map((full) => full.slice(0, 12))) {
    let relayedAt = origin(hash)
    for (let k = 1; k < line.length; k++) {
      const check = checked[k]!.get(hash)
      const done = imported[k]!.get(hash)
      if (check === undefined || done === undefined) break
      stages.link.push(check.received - relayedAt)
      stages.check.push(check.done - check.received)
      stages.execute.push(done.done - check.done)
      relayedAt = check.done
    }
  }
  return stages
}

/** Samples of (block, receiver) arrivals, by hop; `arrival(hop, block)` in the same clock as `origin(block)`. */
function collect(blocks: readonly number[], hops: number, origin: (block: number) => number, arrival: (hop: number, block: number) => number): Propagation {
  const byHop = Array.from({ length: hops }, (_, hop) => blocks.map((block) => arrival(hop, block) - origin(block)))
  return { samples: byHop.flat(), byHop, blocks: blocks.length }
}

/** A proof-of-authority genesis file whose one signer is the identity in `datadir`; its path. */
async function signerGenesis(cleanups: Cleanups, datadir: string): Promise<string> {
  const listed = await runChain(['account', 'list', '--json', '--datadir', datadir])
  const signer = (JSON.parse(listed.stdout) as { publicKey: string }[])[0]!.publicKey
  const { maxBlockBytes, blockGasLimit } = BUILT_IN_NETWORKS.dev!.params
  const dir = await mkdtemp(join(tmpdir(), 'chain-bench-line-'))
  cleanups.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'genesis.json')
  const consensus = { type: 'poa', signers: [signer], epoch: 30_000 }
  await writeFile(path, JSON.stringify({ network: 'bench-line', timestamp: Date.now() - PERIOD_MS, params: { maxBlockBytes, blockGasLimit, targetBlockTimeMs: PERIOD_MS }, consensus }))
  return path
}

/** Five node processes in a line, the miner at one end; `blocks` blocks measured after the warm-up. */
export async function nodeLine(cleanups: Cleanups, blocks: number): Promise<Propagation> {
  // Built from the far end, the miner last: no node is ever far behind the miner, so each
  // catches up by gossip (and its short-gap fetch) alone.
  const line: TestNode[] = []
  const signerDir = await makeDatadir(cleanups)
  const genesis = await signerGenesis(cleanups, signerDir)
  for (let i = 0; i < LINE_NODES - 1; i++) line.unshift(await startNode(cleanups, { genesis, bootstrap: line.length === 0 ? [] : [line[0]!.info.multiaddrs[0]!] }))
  line.unshift(await startNode(cleanups, { genesis, datadir: signerDir, mine: true, bootstrap: [line[0]!.info.multiaddrs[0]!] }))
  const miner = line[0]!
  const degrees = line.map((_, i) => (i === 0 || i === line.length - 1 ? 1 : 2))
  for (const [i, node] of line.entries()) {
    await waitFor(`node ${i} to have its ${degrees[i]} line neighbours`, async () => ((await peerCount(node)) === degrees[i] ? true : undefined), WAIT_MS)
  }
  await waitFor('the warm-up', async () => ((await Promise.all(line.map(heightOf))).every((height) => height >= WARMUP_HEIGHT) ? true : undefined), WAIT_MS)

  const first = (await heightOf(miner)) + 1
  const last = first + blocks - 1
  // Watched seldom: the figures come from the nodes' logs, and a poll is work for the node
  // (polled every 10 ms, the nodes took 50% longer per hop).
  const deadline = Date.now() + blocks * WAIT_MS
  while (!(await Promise.all(line.map(heightOf))).every((height) => height >= last)) {
    if (Date.now() > deadline) throw new Error(`block ${last} did not reach every node in time`)
    await sleep(WATCH_INTERVAL_MS)
  }

  const mined = minedAt(miner)
  const heights = Array.from({ length: blocks }, (_, i) => first + i)
  for (const height of heights) if (!mined.has(height)) throw new Error(`block ${height} was not mined by the miner of the line`)
  const tops = await Promise.all(line.map((node) => node.rpc.call<{ hash: string }>('getBlock', { block: last })))
  if (tops.some((top) => top.hash !== mined.get(last)!.hash)) throw new Error(`the nodes disagree on block ${last}`)
  const minedByHash = new Map([...mined.values()].map(({ at, hash }) => [hash.slice(0, 12), at]))
  const origin = (hash: string): number => minedByHash.get(hash)!
  const hashes = heights.map((height) => mined.get(height)!.hash)
  return {
    ...arrivalsLogged(line, 'checked', origin, hashes),
    blocks,
    imported: arrivalsLogged(line, 'imported', origin, hashes),
    stages: hopStages(line, origin, hashes),
  }
}

/** Longest a raw host in a process of its own may take to start or to answer. */
const HOST_TIMEOUT_MS = 60_000
const RAW_HOST_SCRIPT = fileURLToPath(new URL('./raw-host-process.js', import.meta.url))

/** What `host` replies to `request`, which must be of `kind`. */
async function askHost<K extends HostReply['kind']>(host: ChildProgram<HostRequest, HostReply>, request: HostRequest | undefined, kind: K): Promise<Extract<HostReply, { kind: K }>> {
  const reply = await host.ask(request, HOST_TIMEOUT_MS)
  if (reply.kind !== kind) throw new Error(`a raw host answered ${reply.kind}, not ${kind}`)
  return reply as Extract<HostReply, { kind: K }>
}

/**
 * The same line of raw libp2p hosts, each in a process of its own (bench/raw-host-process.ts),
 * as the nodes are; `messages` block-sized messages from one end, a period apart as blocks
 * are. On this machine a process woken after a second's sleep takes ~0.5 ms to run (a ping
 * over loopback TCP between two such processes: ~1 ms there and back, against 0.17 ms back to
 * back), a cost each hop of the node line pays and a line in one process never does.
 */
export async function rawLineInProcesses(cleanups: Cleanups, messages: number): Promise<Propagation> {
  const networkId = toHex(randomBytes(32))
  const maxBlockBytes = String(BUILT_IN_NETWORKS.dev!.params.maxBlockBytes)
  const hosts: ChildProgram<HostRequest, HostReply>[] = []
  const addresses: string[] = []
  for (let i = 0; i < LINE_NODES; i++) {
    const host = forkProgram<HostRequest, HostReply>(RAW_HOST_SCRIPT, [networkId, maxBlockBytes, addresses[i - 1] ?? ''], `raw host ${i}`)
    cleanups.after(async () => {
      try {
        if (host.connected) await host.ask({ kind: 'close' }, HOST_TIMEOUT_MS)
      } finally {
        await host.kill()
      }
    })
    hosts.push(host)
    addresses.push((await askHost(host, undefined, 'ready')).address)
  }
  const degree = (i: number): number => (i === 0 || i === LINE_NODES - 1 ? 1 : 2)
  const peersOf = (): Promise<number[]> => Promise.all(hosts.map(async (host) => (await askHost(host, { kind: 'peers' }, 'peers')).count))
  await waitFor('the raw line’s subscriptions', async () => ((await peersOf()).every((count, i) => count === degree(i)) ? true : undefined), WAIT_MS)
  await sleep(MESH_SETTLE_MS)

  const sent = new Map<number, number>()
  const salt = randomBytes(4).readUInt32BE()
  for (let height = 1; height <= messages; height++) {
    sent.set(height, (await askHost(hosts[0]!, { kind: 'publish', height, salt }, 'published')).at)
    await sleep(PERIOD_MS)
  }
  const receivers = hosts.slice(1)
  const arrivals = await waitFor(
    'every raw message at every host',
    async () => {
      const all = await Promise.all(receivers.map(async (host) => new Map((await askHost(host, { kind: 'arrivals' }, 'arrivals')).at)))
      return all.every((arrived) => arrived.size === messages) ? all : undefined
    },
    WAIT_MS,
  )
  const heights = Array.from({ length: messages }, (_, i) => i + 1)
  return collect(heights, arrivals.length, (height) => sent.get(height)!, (hop, height) => arrivals[hop]!.get(height)!)
}

/** The same line of raw libp2p hosts in this process; `messages` block-sized messages from one end. */
export async function rawLine(cleanups: Cleanups, messages: number): Promise<Propagation> {
  const networkId = Uint8Array.from(randomBytes(32))
  const arrivals = Array.from({ length: LINE_NODES - 1 }, () => new Map<number, number>())
  const hosts: Network[] = []
  for (let i = 0; i < LINE_NODES; i++) {
    const arrived = i === 0 ? undefined : arrivals[i - 1]!
    hosts.push(
      await startHost(cleanups, {
        networkId,
        maxBlockBytes: BUILT_IN_NETWORKS.dev!.params.maxBlockBytes,
        bootstrap: i === 0 ? [] : [hosts[i - 1]!.multiaddrs()[0]!],
        onBlock: (block) => {
          if (arrived !== undefined && !arrived.has(block.header.height)) arrived.set(block.header.height, performance.now())
          return Promise.resolve('accept')
        },
      }),
    )
  }
  await waitFor('the raw line’s subscriptions', () => (hosts.every((host, i) => host.gossipPeers().length === (i === 0 || i === hosts.length - 1 ? 1 : 2)) ? true : undefined), WAIT_MS)
  await sleep(MESH_SETTLE_MS)

  const sent = new Map<number, number>()
  const salt = randomBytes(4).readUInt32BE()
  for (let height = 1; height <= messages; height++) {
    sent.set(height, performance.now())
    await hosts[0]!.publishBlock(sampleBlock(height, salt))
    await sleep(RAW_MESSAGE_INTERVAL_MS)
  }
  await waitFor('every raw message at every host', () => (arrivals.every((arrived) => arrived.size === messages) ? true : undefined), WAIT_MS)
  const heights = Array.from({ length: messages }, (_, i) => i + 1)
  return collect(heights, arrivals.length, (height) => sent.get(height)!, (hop, height) => arrivals[hop]!.get(height)!)
}

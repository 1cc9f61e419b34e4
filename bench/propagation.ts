/**
 * Block propagation on loopback, for the node benchmark: five `chain node` processes in a line
 * joined by --bootstrap, the one at an end sealing blocks (proof-of-authority, its only signer,
 * a block a second), and the first arrival of each block at the four others; beside it, the same line of raw libp2p hosts in one process, whose validators
 * accept at once (gossipsub's own relay, without decoding's cost beyond the network layer's,
 * validation or import).
 *
 * A block's arrival at a node is when gossipsub hands it to the node's validator: the same point
 * as the raw line's arrival, after every node before it checked and relayed it. The nodes log
 * it at debug level (`gossiped block checked` with the check's `checkMs`, millisecond
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
import { performance } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { BUILT_IN_NETWORKS } from '../src/ledger/networks.js'
import type { Network } from '../src/network/network.js'
import { makeDatadir, startNode, waitFor, type TestNode } from '../test/helpers/node.js'
import { runChain } from '../test/helpers/cli.js'
import { sampleBlock } from '../test/network/helpers.js'
import { startHost, type Cleanups } from './node-processes.js'

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
 * the sender's relay (the signer's `sealed a block`, or the previous node's `checked`) to the
 * receiver's validator starting (`checked` less its `checkMs`): the wire, gossipsub and
 * waiting for the event loop; `check`, the validator up to the relay (decoding aside);
 * `execute`, from the relay to `imported a block` (execution and the store's write).
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

/** When `node` logged `line` for each block (ms since the epoch), by hash prefix; and the `checkMs` of `checked` lines. */
function logged(node: TestNode, line: 'checked' | 'imported'): Map<string, { at: number; checkMs: number }> {
  const pattern =
    line === 'checked'
      ? /^(\S+Z) DEBUG \[node\] gossiped block checked, executing from=\S+ height=\d+ hash=(\w+) verdict=accept checkMs=(\S+)/gm
      : /^(\S+Z) INFO +\[node\] imported a block from=\S+ height=\d+ hash=(\w+)/gm
  const times = new Map<string, { at: number; checkMs: number }>()
  for (const match of node.log().matchAll(pattern)) times.set(match[2]!, { at: Date.parse(match[1]!), checkMs: Number(match[3] ?? 0) })
  return times
}

/**
 * Each block of `hashes` (full hex) at each receiver, ms after its origin, by hop: at its
 * validator (`checked`, less the check's own time) or imported (`imported`); blocks a receiver
 * did not log are left out.
 */
function arrivalsLogged(line: readonly TestNode[], point: 'checked' | 'imported', origin: (hash: string) => number, hashes: readonly string[]): Arrivals {
  const byHop = line.slice(1).map((node) => {
    const times = logged(node, point)
    return hashes.flatMap((full) => {
      const hash = full.slice(0, 12)
      const at = times.get(hash)
      return at === undefined ? [] : [at.at - at.checkMs - origin(hash)]
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
      stages.link.push(check.at - check.checkMs - relayedAt)
      stages.check.push(check.checkMs)
      stages.execute.push(done.at - check.at)
      relayedAt = check.at
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

/**
 * The sync downloader, as real `chain node` processes on loopback: a fresh node syncs a chain
 * of 5,000 blocks of 100 `token.transfer` calls each from one peer, then another fresh node
 * from three peers. Figures:
 *   - sync from one peer, in blocks per second, beside re-executing the same blocks locally
 *     (imported from memory into a fresh chain in this process): how close sync gets to its
 *     own limit, the import;
 *   - sync from three peers, beside the same local re-execution and beside sync from one;
 *   - the download alone (every header, and the bodies the downloader fetches ahead of the
 *     import, MAX_BODIES_AHEAD), from three peers beside one: where several peers do help.
 * A sync is timed from its `sync started` log line to its `sync finished` line (the node's
 * start-up and connection are not counted). The local re-execution is measured before and
 * after the syncs, and their mean is the baseline, so a machine busier during one part does
 * not favour either side. `BENCH_SYNC_BLOCKS` sets another length (a full run re-executes
 * 500,000 transfers six times: building, twice locally, three syncs' worth of serving aside).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Chain } from '../src/chain/chain.js'
import { createConsensus } from '../src/consensus/create.js'
import type { Block } from '../src/ledger/block.js'
import { genesisToJson } from '../src/ledger/genesis.js'
import { chainDbDir } from '../src/node/datadir.js'
import { ContractVm } from '../src/vm/vm.js'
import { testGenesis } from '../test/helpers/chain.js'
import { makeDatadir, startNode, waitFor, type TestNode } from '../test/helpers/node.js'
import { MAX_BODIES_AHEAD } from '../src/sync/constants.js'
import { buildChain, copyChain } from '../test/sync/fixtures.js'
import { timeMs, type Benchmark, type Figure } from './harness.js'
import { Cleanups } from './node-processes.js'

const LENGTH = Number(process.env.BENCH_SYNC_BLOCKS ?? 5_000)
const TRANSFERS_PER_BLOCK = 100
/** Bodies the download figure counts: those fetched ahead of the import, or the whole chain if shorter. */
const BODIES_AHEAD = Math.min(MAX_BODIES_AHEAD, LENGTH)
const GENESIS = testGenesis({ network: 'bench-sync' })
/** A sync of 5,000 blocks of transfers takes minutes here; this bounds a stuck one. */
const SYNC_TIMEOUT_MS = 3_600_000

/** Imports `blocks` from memory into a fresh chain; returns the milliseconds it took. */
async function reexecute(dir: string, blocks: readonly Block[]): Promise<number> {
  const vm = new ContractVm()
  const chain = await Chain.open({ path: await mkdtemp(join(dir, 'local-')), genesis: GENESIS, consensus: createConsensus(GENESIS), vm, create: true })
  try {
    return await timeMs(async () => {
      for (const block of blocks) await chain.importBlock(block)
    })
  } finally {
    await chain.close()
    vm.close()
  }
}

interface SyncTimes {
  /** From `sync started` to `sync finished`. */
  readonly totalMs: number
  /** From `sync started` to the stored batch that brought the bodies at hand to BODIES_AHEAD (every header is stored before any body). */
  readonly downloadMs: number
}

/** A sync's times, read from the node's log lines (debug level), once it has finished. */
function syncTimes(log: string): SyncTimes | undefined {
  const started = /^(\S+) INFO {2}\[node:sync\] sync started /m.exec(log)
  const finished = /^(\S+) INFO {2}\[node:sync\] sync finished .*imported=(\d+)/m.exec(log)
  if (started === null || finished === null) return undefined
  if (Number(finished[2]) !== LENGTH) throw new Error(`the sync imported ${finished[2]} blocks, not ${LENGTH}`)
  const start = Date.parse(started[1]!)
  let bodies = 0
  let downloaded: number | undefined
  for (const [, time, count] of log.matchAll(/^(\S+) DEBUG \[node:sync\] bodies stored \S+ \S+ count=(\d+)/gm)) {
    bodies += Number(count)
    if (bodies >= BODIES_AHEAD) {
      downloaded = Date.parse(time!)
      break
    }
  }
  if (downloaded === undefined) throw new Error(`only ${bodies} bodies stored, fewer than ${BODIES_AHEAD}`)
  return { totalMs: Date.parse(finished[1]!) - start, downloadMs: downloaded - start }
}

/** Starts a fresh node joined to `peers`, waits for its sync to finish; returns its times. */
async function syncFrom(cleanups: Cleanups, genesisFile: string, peers: readonly TestNode[]): Promise<SyncTimes> {
  const node = await startNode(cleanups, { genesis: genesisFile, bootstrap: peers.map((peer) => peer.info.multiaddrs[0]!) })
  const times = await waitFor('the sync', () => syncTimes(node.log()), SYNC_TIMEOUT_MS)
  await node.stop()
  return times
}

export const benchmark: Benchmark = {
  name: 'sync',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'chain-bench-sync-'))
    const cleanups = new Cleanups()
    cleanups.after(() => rm(dir, { recursive: true, force: true }))
    try {
      const source = join(dir, 'source')
      const blocks = await buildChain(source, GENESIS, { length: LENGTH, transfersPerBlock: TRANSFERS_PER_BLOCK })
      const genesisFile = join(dir, 'genesis.json')
      await writeFile(genesisFile, JSON.stringify(genesisToJson(GENESIS)))
      const localBefore = await reexecute(dir, blocks)

      const peers = await Promise.all(
        [0, 1, 2].map(async () => {
          const datadir = await makeDatadir(cleanups)
          await copyChain(source, chainDbDir(datadir, GENESIS.network))
          return startNode(cleanups, { genesis: genesisFile, datadir })
        }),
      )
      const fromOne = await syncFrom(cleanups, genesisFile, peers.slice(0, 1))
      const fromThree = await syncFrom(cleanups, genesisFile, peers)
      await Promise.all(peers.map((peer) => peer.stop()))
      const localAfter = await reexecute(dir, blocks)

      const perSecond = (ms: number, blocks = LENGTH): number => (blocks * 1000) / ms
      const local = perSecond((localBefore + localAfter) / 2)
      const transactions = blocks.reduce((sum, block) => sum + block.transactions.length, 0)
      const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
      return [
        {
          name: `sync of ${LENGTH.toLocaleString('en-US')} blocks from 1 peer`,
          value: perSecond(fromOne.totalMs),
          unit: 'blocks/s',
          baseline: { name: 'the same blocks re-executed locally from memory', value: local },
          note: `${seconds(fromOne.totalMs)}; local ${seconds(localBefore)} and ${seconds(localAfter)}; ${transactions} transactions`,
        },
        {
          name: `sync of ${LENGTH.toLocaleString('en-US')} blocks from 3 peers`,
          value: perSecond(fromThree.totalMs),
          unit: 'blocks/s',
          baseline: { name: 'the same blocks re-executed locally from memory', value: local },
          note: seconds(fromThree.totalMs),
        },
        {
          name: `sync of ${LENGTH.toLocaleString('en-US')} blocks from 3 peers, beside 1`,
          value: perSecond(fromThree.totalMs),
          unit: 'blocks/s',
          baseline: { name: 'sync from 1 peer', value: perSecond(fromOne.totalMs) },
          note: `${seconds(fromThree.totalMs)} and ${seconds(fromOne.totalMs)}`,
        },
        {
          name: `download of ${LENGTH.toLocaleString('en-US')} headers and ${BODIES_AHEAD.toLocaleString('en-US')} bodies from 3 peers`,
          value: perSecond(fromThree.downloadMs, BODIES_AHEAD),
          unit: 'bodies/s',
          baseline: { name: 'from 1 peer', value: perSecond(fromOne.downloadMs, BODIES_AHEAD) },
          note: `${seconds(fromThree.downloadMs)} and ${seconds(fromOne.downloadMs)}, while the import runs`,
        },
      ]
    } finally {
      await cleanups.run()
    }
  },
}

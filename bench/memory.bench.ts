/**
 * A node's resident memory as its chain grows: a real `chain node` process (with `--metrics`)
 * syncs 2,000 blocks from a peer, then, as peers with the same chain grown to 11,000 and to
 * 20,000 blocks join, the blocks it lacks; its resident set, V8 heap and what its caches hold
 * (`chain_cache_bytes`) are read from its own metrics once each sync has finished and the node
 * is idle, and the part of the resident set not backed by files from the kernel. The figure is
 * the memory after 20,000 blocks beside the memory after 2,000: a node's caches are bounded, so
 * the two should differ by a small constant only (issue 11, point 6). The memory after 11,000 tells a constant from a slope:
 * caches filling to their bounds grow the first half, a leak grows both halves alike.
 *
 * The blocks are small and keep the state the same size: after three setup blocks (20
 * registrations, a token deploy, the supply spread over the 20 holders) each block holds one
 * `token.transfer` between two of the 20 holders. What grows with the block count is then the
 * chain itself (blocks, receipts, undo records, trie nodes on disk), not the state.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Chain } from '../src/chain/chain.js'
import { createConsensus } from '../src/consensus/create.js'
import { contractAddressOf, formatParticipantId } from '../src/crypto/identity.js'
import { genesisToJson } from '../src/ledger/genesis.js'
import { chainDbDir } from '../src/node/datadir.js'
import { ContractVm } from '../src/vm/vm.js'
import { testGenesis } from '../test/helpers/chain.js'
import { makeDatadir, startNode, waitFor, type TestNode } from '../test/helpers/node.js'
import { addBlock, benchKey, signWith } from './chain-blocks.js'
import type { Benchmark, Figure } from './harness.js'
import { Cleanups, quantile } from './node-processes.js'

/** The heights at which the memory is read; the first is the baseline, the last the figure. */
const CHECKPOINTS = [2_000, 11_000, 20_000] as const
const FIRST = CHECKPOINTS[0]
const LAST = CHECKPOINTS[CHECKPOINTS.length - 1]!
const HOLDERS = 20
const GAS = 2_000_000
const GENESIS = testGenesis({ network: 'bench-memory' })
const TOKEN_SOURCE = readFileSync(new URL('../../docs/examples/token.js', import.meta.url), 'utf8')
/** A sync of 9,000 blocks takes about a minute on two busy cores; this bounds a stuck one. */
const SYNC_TIMEOUT_MS = 1_800_000
/**
 * Idle time after a sync before the memory is read: V8's memory reducer, which collects a heap
 * whose program has gone quiet, starts 8 s after the last collection and took up to ~35 s to
 * run (read every 3 s after a sync); read before it, the heap's used size is mostly the sync's
 * garbage (it moved between 85 and 135 MiB across runs 5 s after).
 */
const SETTLE_MS = 45_000
const SAMPLES = 10
const SAMPLE_INTERVAL_MS = 1_000

/**
 * Builds the chain in `dir/work`, leaving a copy of it at each checkpoint; returns the copies'
 * paths, in the order of CHECKPOINTS.
 */
async function buildChains(dir: string): Promise<string[]> {
  const work = join(dir, 'work')
  const holders = Array.from({ length: HOLDERS }, (_, i) => benchKey(`memory holder ${i}`))
  const nonces = holders.map(() => 0)
  const vm = new ContractVm()
  const open = (): Promise<Chain> => Chain.open({ path: work, genesis: GENESIS, consensus: createConsensus(GENESIS), vm, create: true })
  const copies: string[] = []
  try {
    let chain = await open()
    const sign = signWith(chain.networkId, GAS)
    const token = contractAddressOf(holders[0]!.id, 1)
    const transfer = (from: number, to: number, amount: number) =>
      sign(holders[from]!, nonces[from]!++, { kind: 'contract-call', contract: token, method: 'transfer', args: JSON.stringify([formatParticipantId(holders[to]!.id), amount]) })
    await addBlock(chain, holders.map((holder, i) => sign(holder, nonces[i]!++, { kind: 'participant', name: null })))
    await addBlock(chain, [sign(holders[0]!, nonces[0]!++, { kind: 'contract-deploy', code: TOKEN_SOURCE, args: '["Gold","GLD",1000000000]' })])
    await addBlock(chain, holders.slice(1).map((_, i) => transfer(0, i + 1, 1_000_000)))
    for (const height of CHECKPOINTS) {
      for (let h = chain.head.header.height + 1; h <= height; h++) await addBlock(chain, [transfer(h % HOLDERS, (h + 1) % HOLDERS, 1)])
      await chain.close()
      const copy = join(dir, `chain-${height}`)
      await cp(work, copy, { recursive: true })
      copies.push(copy)
      chain = await open()
    }
    await chain.close()
    return copies
  } finally {
    vm.close()
  }
}

/** A node serving the chain database at `path`. */
async function peerWith(cleanups: Cleanups, genesisFile: string, path: string, bootstrap: readonly string[] = []): Promise<TestNode> {
  const datadir = await makeDatadir(cleanups)
  await cp(path, chainDbDir(datadir, GENESIS.network), { recursive: true })
  return startNode(cleanups, { genesis: genesisFile, datadir, bootstrap })
}

/** Waits for the node's `count`-th `sync finished` log line and checks it reached `height`. */
async function syncsFinished(node: TestNode, count: number, height: number): Promise<void> {
  await waitFor(`sync number ${count} to finish`, async () => {
    const finished = node.log().match(/\[node:sync\] sync finished /g)?.length ?? 0
    if (finished < count) {
      await sleep(1_000)
      return undefined
    }
    return true
  }, SYNC_TIMEOUT_MS)
  const status = await node.rpc.call<{ height: number }>('status')
  if (status.height !== height) throw new Error(`the node's head is at ${status.height} after its sync, not ${height}`)
}

interface Memory {
  readonly rssBytes: number
  /** Resident memory not backed by a file: the node's own, without its binary and LevelDB's memory-mapped tables. */
  readonly anonymousBytes: number
  readonly heapUsedBytes: number
  /** What the chain's caches hold, as charged against their bounds (`chain_cache_bytes`, all caches). */
  readonly cacheBytes: number
}

/**
 * The resident memory of process `pid` that is not a file's pages, from the kernel
 * (`RssAnon` in /proc/PID/status, Linux): LevelDB maps the table files it reads (all of a
 * table's pages it touched, compactions included, count as resident while the table is open),
 * and those pages are the page cache's, given back under pressure, not the node's own.
 */
function anonymousBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const found = /^RssAnon:\s+(\d+) kB$/m.exec(status)
  if (found === null) throw new Error(`/proc/${pid}/status has no RssAnon line: this benchmark reads it from Linux`)
  return Number(found[1]) * 1024
}

/** The sum of a metric's samples in a scrape, whatever their labels. */
const metric = (text: string, name: string): number => {
  const found = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))]
  if (found.length === 0) throw new Error(`the node's metrics have no ${name}`)
  return found.reduce((sum, match) => sum + Number(match[1]), 0)
}

/** The median of SAMPLES readings of the node's memory, after SETTLE_MS idle. */
async function memoryOf(node: TestNode): Promise<Memory> {
  await sleep(SETTLE_MS)
  const rss: number[] = []
  const anonymous: number[] = []
  const heap: number[] = []
  const caches: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const text = await (await fetch(node.info.metrics!)).text()
    rss.push(metric(text, 'process_resident_memory_bytes'))
    anonymous.push(anonymousBytes(node.process.pid!))
    heap.push(metric(text, 'nodejs_heap_size_used_bytes'))
    caches.push(metric(text, 'chain_cache_bytes'))
    await sleep(SAMPLE_INTERVAL_MS)
  }
  return { rssBytes: quantile(rss, 0.5), anonymousBytes: quantile(anonymous, 0.5), heapUsedBytes: quantile(heap, 0.5), cacheBytes: quantile(caches, 0.5) }
}

const mib = (bytes: number): number => bytes / 2 ** 20

const thousands = (height: number): string => height.toLocaleString('en-US')

export const benchmark: Benchmark = {
  name: 'memory',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'chain-bench-memory-'))
    const cleanups = new Cleanups()
    cleanups.after(() => rm(dir, { recursive: true, force: true }))
    try {
      const chains = await buildChains(dir)
      const genesisFile = join(dir, 'genesis.json')
      await writeFile(genesisFile, JSON.stringify(genesisToJson(GENESIS)))
      const first = await peerWith(cleanups, genesisFile, chains[0]!)
      const node = await startNode(cleanups, { genesis: genesisFile, bootstrap: [first.info.multiaddrs[0]!], flags: ['--metrics'] })
      const readings: Memory[] = []
      for (const [i, height] of CHECKPOINTS.entries()) {
        // Each further peer holds the chain grown to the next checkpoint: the node syncs what it lacks.
        if (i > 0) await peerWith(cleanups, genesisFile, chains[i]!, [node.info.multiaddrs[0]!])
        await syncsFinished(node, i + 1, height)
        readings.push(await memoryOf(node))
      }
      const [atFirst, atMiddle, atLast] = [readings[0]!, readings[1]!, readings[readings.length - 1]!]
      const middle = CHECKPOINTS[1]
      const blocks = `blocks of one token.transfer (20 holders), synced from peers by a real node process; median of ${SAMPLES} readings ${SETTLE_MS / 1000} s after each sync`
      const after = (height: number): string => `after ${thousands(height)} blocks`
      const path = (pick: (memory: Memory) => number): string => readings.map((memory, i) => `${thousands(CHECKPOINTS[i]!)}: ${mib(pick(memory)).toFixed(1)}`).join(', ')
      return [
        {
          name: `resident memory of a node ${after(LAST)}`,
          value: mib(atLast.rssBytes),
          unit: 'MiB',
          baseline: { name: after(FIRST), value: mib(atFirst.rssBytes) },
          note: `${blocks}; target: no more than a small constant above the baseline; by height (MiB) ${path((memory) => memory.rssBytes)}`,
        },
        {
          name: `resident memory of a node ${after(LAST)}, not backed by files`,
          value: mib(atLast.anonymousBytes),
          unit: 'MiB',
          baseline: { name: after(FIRST), value: mib(atFirst.anonymousBytes) },
          note: `${blocks}; without the pages of mapped files (the node's binary, LevelDB's tables), which are the page cache's; by height (MiB) ${path((memory) => memory.anonymousBytes)}`,
        },
        {
          name: `resident memory of a node ${after(LAST)}, not backed by files, beside ${after(middle)}`,
          value: mib(atLast.anonymousBytes),
          unit: 'MiB',
          baseline: { name: after(middle), value: mib(atMiddle.anonymousBytes) },
          note: `the second half of the chain's growth: caches that fill to their bounds grow the first half, a leak both alike`,
        },
        {
          name: `resident memory of a node ${after(LAST)}, not backed by files, less what its caches hold`,
          value: mib(atLast.anonymousBytes - atLast.cacheBytes),
          unit: 'MiB',
          baseline: { name: after(FIRST), value: mib(atFirst.anonymousBytes - atFirst.cacheBytes) },
          note: `the caches' part of the growth taken out (chain_cache_bytes: the trie's and the state's, each entry charged what it keeps resident, and LevelDB's block cache and memtables as it counts them); the caches held (MiB) ${path((memory) => memory.cacheBytes)}`,
        },
        {
          name: `V8 heap used by a node ${after(LAST)}`,
          value: mib(atLast.heapUsedBytes),
          unit: 'MiB',
          baseline: { name: after(FIRST), value: mib(atFirst.heapUsedBytes) },
          note: `${blocks}; by height (MiB) ${path((memory) => memory.heapUsedBytes)}`,
        },
      ]
    } finally {
      await cleanups.run()
    }
  },
}

/**
 * A node's resident memory as its chain grows: a real `chain node` process (with `--metrics`)
 * syncs 2,000 blocks from a peer, then, when a second peer with the same chain grown to 20,000
 * blocks joins, the 18,000 more; its resident set and V8 heap are read from its own metrics
 * once each sync has finished and the node is idle, and the part of the resident set not
 * backed by files from the kernel. The figure is the memory after 20,000 blocks beside the
 * memory after 2,000: a node's caches are bounded, so the two should differ by a small
 * constant only (issue 11, point 6).
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

const FIRST = 2_000
const SECOND = 20_000
const HOLDERS = 20
const GAS = 2_000_000
const GENESIS = testGenesis({ network: 'bench-memory' })
const TOKEN_SOURCE = readFileSync(new URL('../../docs/examples/token.js', import.meta.url), 'utf8')
/** A sync of 18,000 blocks takes minutes on two busy cores; this bounds a stuck one. */
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
 * Builds the chain into `dir/full` (SECOND blocks), leaving a copy of its first FIRST blocks
 * in `dir/prefix`; returns both paths.
 */
async function buildChains(dir: string): Promise<{ prefix: string; full: string }> {
  const full = join(dir, 'full')
  const prefix = join(dir, 'prefix')
  const holders = Array.from({ length: HOLDERS }, (_, i) => benchKey(`memory holder ${i}`))
  const nonces = holders.map(() => 0)
  const vm = new ContractVm()
  const open = (): Promise<Chain> => Chain.open({ path: full, genesis: GENESIS, consensus: createConsensus(GENESIS), vm, create: true })
  try {
    let chain = await open()
    const sign = signWith(chain.networkId, GAS)
    const token = contractAddressOf(holders[0]!.id, 1)
    const transfer = (from: number, to: number, amount: number) =>
      sign(holders[from]!, nonces[from]!++, { kind: 'contract-call', contract: token, method: 'transfer', args: JSON.stringify([formatParticipantId(holders[to]!.id), amount]) })
    await addBlock(chain, holders.map((holder, i) => sign(holder, nonces[i]!++, { kind: 'participant', name: null })))
    await addBlock(chain, [sign(holders[0]!, nonces[0]!++, { kind: 'contract-deploy', code: TOKEN_SOURCE, args: '["Gold","GLD",1000000000]' })])
    await addBlock(chain, holders.slice(1).map((_, i) => transfer(0, i + 1, 1_000_000)))
    const extendTo = async (height: number): Promise<void> => {
      for (let h = chain.head.header.height + 1; h <= height; h++) await addBlock(chain, [transfer(h % HOLDERS, (h + 1) % HOLDERS, 1)])
    }
    await extendTo(FIRST)
    await chain.close()
    await cp(full, prefix, { recursive: true })
    chain = await open()
    await extendTo(SECOND)
    await chain.close()
    return { prefix, full }
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

const metric = (text: string, name: string): number => {
  const found = new RegExp(`^${name} (\\S+)`, 'm').exec(text)
  if (found === null) throw new Error(`the node's metrics have no ${name}`)
  return Number(found[1])
}

/** The median of SAMPLES readings of the node's memory, after SETTLE_MS idle. */
async function memoryOf(node: TestNode): Promise<Memory> {
  await sleep(SETTLE_MS)
  const rss: number[] = []
  const anonymous: number[] = []
  const heap: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const text = await (await fetch(node.info.metrics!)).text()
    rss.push(metric(text, 'process_resident_memory_bytes'))
    anonymous.push(anonymousBytes(node.process.pid!))
    heap.push(metric(text, 'nodejs_heap_size_used_bytes'))
    await sleep(SAMPLE_INTERVAL_MS)
  }
  return { rssBytes: quantile(rss, 0.5), anonymousBytes: quantile(anonymous, 0.5), heapUsedBytes: quantile(heap, 0.5) }
}

const mib = (bytes: number): number => bytes / 2 ** 20

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
      const first = await peerWith(cleanups, genesisFile, chains.prefix)
      const node = await startNode(cleanups, { genesis: genesisFile, bootstrap: [first.info.multiaddrs[0]!], flags: ['--metrics'] })
      await syncsFinished(node, 1, FIRST)
      const atFirst = await memoryOf(node)
      await peerWith(cleanups, genesisFile, chains.full, [node.info.multiaddrs[0]!])
      await syncsFinished(node, 2, SECOND)
      const atSecond = await memoryOf(node)
      const blocks = `blocks of one token.transfer (20 holders), synced from peers by a real node process; median of ${SAMPLES} readings ${SETTLE_MS / 1000} s after the sync`
      return [
        {
          name: `resident memory of a node after ${SECOND.toLocaleString('en-US')} imported blocks`,
          value: mib(atSecond.rssBytes),
          unit: 'MiB',
          baseline: { name: `after ${FIRST.toLocaleString('en-US')} blocks`, value: mib(atFirst.rssBytes) },
          note: `${blocks}; target: no more than a small constant above the baseline`,
        },
        {
          name: `resident memory of a node after ${SECOND.toLocaleString('en-US')} imported blocks, not backed by files`,
          value: mib(atSecond.anonymousBytes),
          unit: 'MiB',
          baseline: { name: `after ${FIRST.toLocaleString('en-US')} blocks`, value: mib(atFirst.anonymousBytes) },
          note: `${blocks}; without the pages of mapped files (the node's binary, LevelDB's tables), which are the page cache's`,
        },
        {
          name: `V8 heap used by a node after ${SECOND.toLocaleString('en-US')} imported blocks`,
          value: mib(atSecond.heapUsedBytes),
          unit: 'MiB',
          baseline: { name: `after ${FIRST.toLocaleString('en-US')} blocks`, value: mib(atFirst.heapUsedBytes) },
          note: blocks,
        },
      ]
    } finally {
      await cleanups.run()
    }
  },
}

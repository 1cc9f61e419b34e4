/**
 * What proof-of-authority saves: the CPU seconds a node spends per block while it makes
 * blocks, as a proof-of-authority signer beside a proof-of-work miner at the same block time
 * (the miner's difficulty calibrated to this machine's hash rate, so it too makes a block per
 * period); and the import of proof-of-authority blocks (a signature per header) beside
 * proof-of-work blocks (a hash per header). Both in one process, measured with
 * `process.cpuUsage`, which counts the mining thread too.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Chain } from '../src/chain/chain.js'
import { Mempool } from '../src/chain/mempool.js'
import { produceBlock } from '../src/chain/producer.js'
import { createConsensus } from '../src/consensus/create.js'
import { signHeader } from '../src/consensus/poa/poa.js'
import { sealSync, searchNonce, targetBytes } from '../src/consensus/pow.js'
import { toHex } from '../src/encoding/bytes.js'
import type { Block } from '../src/ledger/block.js'
import { parseGenesis, type GenesisConfig } from '../src/ledger/genesis.js'
import { createLogger } from '../src/log.js'
import { MiningService } from '../src/node/mining.js'
import { ContractVm } from '../src/vm/vm.js'
import { testKey } from '../test/helpers/chain.js'
import { timeMs, type Benchmark, type Figure } from './harness.js'

/** One block a second, the dev network's block time: the block time both consensuses are held to. */
const BLOCK_TIME_MS = 1_000
/** How long each node makes blocks: about twelve blocks. */
const RUN_MS = 12_000
const IMPORT_BLOCKS = 200
const SIGNER = testKey('bench signer')

function genesisWith(consensus: object): GenesisConfig {
  return parseGenesis(
    JSON.stringify({
      network: 'bench-consensus',
      // Far enough back that IMPORT_BLOCKS blocks a period apart are not in the future.
      timestamp: Date.now() - (IMPORT_BLOCKS + 20) * BLOCK_TIME_MS,
      params: { maxBlockBytes: 1024 * 1024, blockGasLimit: 200_000_000, targetBlockTimeMs: BLOCK_TIME_MS },
      consensus,
    }),
  )
}

/** Hashes per second of one core, so the miner's difficulty makes a block per period. */
function hashRate(): number {
  const header = new Uint8Array(200).fill(7)
  const impossible = targetBytes(1n << 62n)
  const count = 200_000
  const start = performance.now()
  searchNonce(header, impossible, 0n, count)
  return (count * 1000) / (performance.now() - start)
}

/** Runs the node's sealing loop for RUN_MS; returns CPU seconds per block made. */
async function cpuPerBlock(path: string, genesis: GenesisConfig): Promise<{ perBlock: number; blocks: number }> {
  const vm = new ContractVm()
  const consensus = createConsensus(genesis, { seal: true, signerKey: SIGNER.secretKey })
  const chain = await Chain.open({ path, genesis, consensus, vm, create: true })
  const mining = new MiningService({
    chain,
    mempool: new Mempool(() => 0),
    producer: SIGNER.id,
    publishBlock: () => undefined,
    log: createLogger({ level: 'error', format: 'text', component: 'bench' }),
    hashes: () => consensus.status(chain.head, chain.store).hashes ?? 0,
    syncing: () => false,
  })
  // Warm up (the first blocks come at once while the clock catches up with the genesis time).
  mining.start()
  await sleep(2 * BLOCK_TIME_MS)
  const startHeight = chain.head.header.height
  const cpu = process.cpuUsage()
  await sleep(RUN_MS)
  const used = process.cpuUsage(cpu)
  const blocks = chain.head.header.height - startHeight
  await mining.stop()
  await chain.close()
  await consensus.close()
  vm.close()
  return { perBlock: (used.user + used.system) / 1e6 / Math.max(1, blocks), blocks }
}

/** IMPORT_BLOCKS empty blocks made on a scratch chain, sealed by `seal`. */
async function makeBlocks(path: string, genesis: GenesisConfig, seal: (block: Block) => Block): Promise<Block[]> {
  const vm = new ContractVm()
  // The signer's key, so proof-of-authority prepares its in-turn weight.
  const chain = await Chain.open({ path, genesis, consensus: createConsensus(genesis, { signerKey: SIGNER.secretKey }), vm, create: true })
  const blocks: Block[] = []
  for (let i = 0; i < IMPORT_BLOCKS; i++) {
    const { block } = await produceBlock(chain, [], SIGNER.id, chain.head.header.timestamp + BLOCK_TIME_MS)
    const sealed = seal(block)
    await chain.importBlock(sealed)
    blocks.push(sealed)
  }
  await chain.close()
  vm.close()
  return blocks
}

async function importRate(path: string, genesis: GenesisConfig, blocks: readonly Block[]): Promise<number> {
  const vm = new ContractVm()
  const chain = await Chain.open({ path, genesis, consensus: createConsensus(genesis), vm, create: true })
  const ms = await timeMs(async () => {
    for (const block of blocks) await chain.importBlock(block)
  })
  await chain.close()
  vm.close()
  return (blocks.length * 1000) / ms
}

export const benchmark: Benchmark = {
  name: 'consensus',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'chain-bench-'))
    try {
      const difficulty = BigInt(Math.max(1, Math.round((hashRate() * BLOCK_TIME_MS) / 1000)))
      const pow = genesisWith({ type: 'pow', initialDifficulty: difficulty.toString(), minimumDifficulty: '1' })
      const poa = genesisWith({ type: 'poa', signers: [toHex(SIGNER.publicKey)] })
      const powRun = await cpuPerBlock(join(dir, 'pow'), pow)
      const poaRun = await cpuPerBlock(join(dir, 'poa'), poa)

      const easyPow = genesisWith({ type: 'pow', initialDifficulty: '1', minimumDifficulty: '1' })
      const powBlocks = await makeBlocks(join(dir, 'pow-source'), easyPow, (b) => ({ ...b, header: sealSync(b.header) }))
      const poaBlocks = await makeBlocks(join(dir, 'poa-source'), poa, (b) => ({ ...b, header: signHeader(b.header, SIGNER.secretKey) }))
      const powImport = await importRate(join(dir, 'pow-import'), easyPow, powBlocks)
      const poaImport = await importRate(join(dir, 'poa-import'), poa, poaBlocks)
      return [
        {
          name: `CPU per block, PoA signer (${BLOCK_TIME_MS} ms blocks)`,
          value: poaRun.perBlock,
          unit: 'CPU s/block',
          baseline: { name: `PoW miner at the same block time (difficulty ${difficulty})`, value: powRun.perBlock },
          note: `${poaRun.blocks} PoA and ${powRun.blocks} PoW blocks in ${RUN_MS / 1000} s each`,
        },
        {
          name: 'empty PoA blocks imported (a signature per header)',
          value: poaImport,
          unit: 'blocks/s',
          baseline: { name: 'empty PoW blocks imported (a hash per header)', value: powImport },
        },
      ]
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
}

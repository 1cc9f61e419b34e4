/**
 * Block import speed: blocks of 0, 100 and 1,000 transactions imported per second, each beside
 * a raw LevelDB batch that writes the same bytes (what the import costs above the disk).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { Chain } from '../src/chain/chain.js'
import { produceBlock } from '../src/chain/producer.js'
import { createConsensus } from '../src/consensus/create.js'
import { sealSync } from '../src/consensus/pow.js'
import { publicKeyOf } from '../src/crypto/ed25519.js'
import { sha256 } from '../src/crypto/hash.js'
import { participantIdOf } from '../src/crypto/identity.js'
import { utf8 } from '../src/encoding/bytes.js'
import { encodeBlock, type Block } from '../src/ledger/block.js'
import { testGenesis } from '../test/helpers/chain.js'
import { signTransaction } from '../src/ledger/transaction.js'
import { ContractVm } from '../src/vm/vm.js'
import { timeMs, type Benchmark, type Figure } from './harness.js'

const BLOCKS_PER_SIZE = 5
const genesis = testGenesis({ network: 'bench', maxBlockBytes: 8 * 1024 * 1024, blockGasLimit: 1_000_000_000 })

async function openChain(path: string): Promise<Chain> {
  return Chain.open({ path, genesis, consensus: createConsensus(genesis), vm: new ContractVm(), create: true })
}

/** Blocks of `size` registrations each, made on a scratch chain. */
async function makeBlocks(dir: string, size: number, count: number): Promise<Block[]> {
  const chain = await openChain(join(dir, `source-${size}`))
  const producer = participantIdOf(publicKeyOf(sha256(utf8('bench producer'))))
  const blocks: Block[] = []
  for (let b = 0; b < count; b++) {
    const txs = Array.from({ length: size }, (_, i) =>
      signTransaction({ kind: 'participant', name: null, publicKey: new Uint8Array(32), nonce: 0, gasLimit: 10_000 }, sha256(utf8(`bench ${size} ${b} ${i}`)), chain.networkId),
    )
    const produced = await produceBlock(chain, txs, producer, chain.head.header.timestamp + 1000)
    const sealed = { ...produced.block, header: sealSync(produced.block.header) }
    await chain.importBlock(sealed, produced)
    blocks.push(sealed)
  }
  await chain.close()
  return blocks
}

export const benchmark: Benchmark = {
  name: 'chain',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'chain-bench-'))
    const figures: Figure[] = []
    try {
      for (const size of [0, 100, 1_000]) {
        const blocks = await makeBlocks(dir, size, BLOCKS_PER_SIZE)
        const chain = await openChain(join(dir, `target-${size}`))
        const importMs = await timeMs(async () => {
          for (const block of blocks) await chain.importBlock(block)
        })
        await chain.close()
        const raw = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, `raw-${size}`), { keyEncoding: 'view', valueEncoding: 'view' })
        const encoded = blocks.map(encodeBlock)
        const rawMs = await timeMs(async () => {
          for (const [i, bytes] of encoded.entries()) await raw.batch([{ type: 'put', key: sha256(bytes), value: bytes }, { type: 'put', key: utf8(`head${i}`), value: bytes.subarray(0, 32) }])
        })
        await raw.close()
        figures.push({
          name: `blocks of ${size} transactions imported`,
          value: (blocks.length * 1000) / importMs,
          unit: 'blocks/s',
          baseline: { name: 'raw LevelDB batch of the same bytes', value: (blocks.length * 1000) / rawMs },
          note: `${Math.round((size * blocks.length * 1000) / importMs)} transactions/s`,
        })
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    return figures
  },
}

/**
 * Building real chains for tests: a test network at difficulty 1 (every seal is found at the
 * first try), real LevelDB databases in temporary directories, real contract VMs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { Chain } from '../../src/chain/chain.js'
import { produceBlock } from '../../src/chain/producer.js'
import { createConsensus } from '../../src/consensus/create.js'
import { sealSync } from '../../src/consensus/pow.js'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { participantIdOf } from '../../src/crypto/identity.js'
import { sha256 } from '../../src/crypto/hash.js'
import { utf8 } from '../../src/encoding/bytes.js'
import type { Block } from '../../src/ledger/block.js'
import { parseGenesis, type GenesisConfig } from '../../src/ledger/genesis.js'
import { signTransaction, type Transaction, type TxPayload } from '../../src/ledger/transaction.js'
import { ContractVm } from '../../src/vm/vm.js'

export const GENESIS_TIME_MS = Date.UTC(2026, 0, 1)
export const BLOCK_INTERVAL_MS = 1_000

export interface TestGenesisOptions {
  readonly network: string
  readonly initialDifficulty: number
  readonly minimumDifficulty: number
  readonly maxBlockBytes: number
  readonly blockGasLimit: number
}

/** A network for tests and benchmarks: difficulty 1 unless asked (every seal found at once). */
export function testGenesis(overrides: Partial<TestGenesisOptions> = {}): GenesisConfig {
  return parseGenesis(
    JSON.stringify({
      network: overrides.network ?? 'test',
      timestamp: GENESIS_TIME_MS,
      params: {
        maxBlockBytes: overrides.maxBlockBytes ?? 1024 * 1024,
        blockGasLimit: overrides.blockGasLimit ?? 200_000_000,
        targetBlockTimeMs: BLOCK_INTERVAL_MS,
      },
      consensus: { type: 'pow', initialDifficulty: overrides.initialDifficulty ?? 1, minimumDifficulty: overrides.minimumDifficulty ?? 1 },
    }),
  )
}

/** A temporary directory removed when the test ends. */
export async function tempDir(t: Pick<TestContext, 'after'>, prefix = 'chain-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function openTestChain(t: Pick<TestContext, 'after'>, genesis = testGenesis(), path?: string): Promise<Chain> {
  const dir = path ?? join(await tempDir(t), 'db')
  const vm = new ContractVm()
  const chain = await Chain.open({ path: dir, genesis, consensus: createConsensus(genesis), vm, create: true })
  t.after(async () => {
    await chain.close()
    vm.close()
  })
  return chain
}

export interface TestKey {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
  readonly id: Uint8Array
}

/** A deterministic key for test participant `name`. */
export function testKey(name: string): TestKey {
  const secretKey = sha256(utf8(`test key ${name}`))
  const publicKey = publicKeyOf(secretKey)
  return { secretKey, publicKey, id: participantIdOf(publicKey) }
}

export function signed(chain: Chain, key: TestKey, nonce: number, payload: TxPayload, gasLimit = 1_000_000): Transaction {
  return signTransaction({ ...payload, publicKey: key.publicKey, nonce, gasLimit }, key.secretKey, chain.networkId)
}

export const PRODUCER = testKey('producer')

/** Produces and seals (without importing) a block on `chain`'s head with `txs`. */
export async function makeBlock(chain: Chain, txs: readonly Transaction[] = [], timestamp?: number): Promise<Block> {
  const parent = chain.head.header
  const { block, skipped } = await produceBlock(chain, txs, PRODUCER.id, timestamp ?? parent.timestamp + BLOCK_INTERVAL_MS)
  if (skipped.length > 0) throw new Error(`makeBlock: ${skipped.length} transactions skipped: ${skipped[0]!.error.message}`)
  return { ...block, header: sealSync(block.header) }
}

/** Makes and imports `count` empty blocks (or blocks from `txsAt(height)`); returns them. */
export async function extendChain(chain: Chain, count: number, txsAt: (height: number) => Transaction[] = () => []): Promise<Block[]> {
  const blocks: Block[] = []
  for (let i = 0; i < count; i++) {
    const block = await makeBlock(chain, txsAt(chain.head.header.height + 1))
    const result = await chain.importBlock(block)
    if (result.status !== 'head') throw new Error(`extendChain: block ${block.header.height} became ${result.status}`)
    blocks.push(block)
  }
  return blocks
}

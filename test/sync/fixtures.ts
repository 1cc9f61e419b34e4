/**
 * Chains for the sync tests and benchmark, built with the library (no mining): a test network
 * at difficulty 1 and blocks of mixed transactions (registrations, contract deploys, contract
 * calls) or of token transfers, written straight into a chain database, so a node process can
 * be started on it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Chain } from '../../src/chain/chain.js'
import { produceBlock } from '../../src/chain/producer.js'
import { createConsensus } from '../../src/consensus/create.js'
import { sealSync } from '../../src/consensus/pow.js'
import { contractAddressOf, formatParticipantId } from '../../src/crypto/identity.js'
import { toHex } from '../../src/encoding/bytes.js'
import { blockHash, type Block, type BlockHeader } from '../../src/ledger/block.js'
import type { ChainReader } from '../../src/network/sync-server.js'
import type { GenesisConfig } from '../../src/ledger/genesis.js'
import { signTransaction, type Transaction, type TxPayload } from '../../src/ledger/transaction.js'
import { ContractVm } from '../../src/vm/vm.js'
import { BLOCK_INTERVAL_MS, PRODUCER, testKey, type TestKey } from '../helpers/chain.js'
import { REPO_ROOT } from '../helpers/cli.js'

const COUNTER_SOURCE = readFileSync(join(REPO_ROOT, 'docs', 'examples', 'counter.js'), 'utf8')
const TOKEN_SOURCE = readFileSync(join(REPO_ROOT, 'docs', 'examples', 'token.js'), 'utf8')
/** Participants who send the transactions of a fixture chain. */
const USERS = 40

export interface ChainRecipe {
  /** Blocks above genesis. */
  readonly length: number
  /** Distinguishes the keys (and so the blocks) of chains made from the same genesis. */
  readonly salt?: string
  /** Milliseconds between blocks: a fork made with a shorter interval has more work per block. */
  readonly intervalMs?: number
  /**
   * Blocks of this many `token.transfer` calls (after three blocks that register the users,
   * deploy the token and hand it out) instead of the mixed transactions.
   */
  readonly transfersPerBlock?: number
}

/** The transactions of one block, by height. */
interface TransactionSource {
  at(height: number): Transaction[]
}

/** Signs the transactions of USERS test users, each with its own nonces. */
class Users {
  readonly keys: TestKey[]
  private readonly nonces: number[]

  constructor(
    private readonly networkId: Uint8Array,
    salt: string,
  ) {
    this.keys = Array.from({ length: USERS }, (_, i) => testKey(`sync ${salt} user ${i}`))
    this.nonces = this.keys.map(() => 0)
  }

  nonce(user: number): number {
    return this.nonces[user]!
  }

  sign(user: number, payload: TxPayload, gasLimit = 2_000_000): Transaction {
    const key = this.keys[user]!
    const nonce = this.nonces[user]!++
    return signTransaction({ ...payload, publicKey: key.publicKey, nonce, gasLimit }, key.secretKey, this.networkId)
  }
}

/**
 * The transactions of block `height`: the first USERS blocks register one user each, every
 * 10th block deploys a counter, the others call counters deployed before.
 */
class TransactionMix implements TransactionSource {
  private readonly contracts: Uint8Array[] = []

  constructor(private readonly users: Users) {}

  at(height: number): Transaction[] {
    const users = this.users
    if (height <= USERS) return [users.sign(height - 1, { kind: 'participant', name: `user ${height - 1}` })]
    const user = height % USERS
    if (height % 10 === 0) {
      this.contracts.push(contractAddressOf(users.keys[user]!.id, users.nonce(user)))
      return [users.sign(user, { kind: 'contract-deploy', code: COUNTER_SOURCE, args: `[${height}]` })]
    }
    if (this.contracts.length === 0) return []
    const contract = this.contracts[height % this.contracts.length]!
    return [0, 1].map((i) => users.sign((user + i) % USERS, { kind: 'contract-call', contract, method: 'increment', args: `[${i + 1}]` }))
  }
}

/**
 * Token transfers: block 1 registers the users, block 2 deploys a token (user 0 holds the
 * supply), block 3 gives every other user a share; then each block is `perBlock` transfers of
 * 1 between users in turn.
 */
class TokenTransfers implements TransactionSource {
  private token: Uint8Array | undefined
  private sent = 0

  constructor(
    private readonly users: Users,
    private readonly perBlock: number,
  ) {}

  private transfer(from: number, to: number, amount: number): Transaction {
    const args = JSON.stringify([formatParticipantId(this.users.keys[to]!.id), amount])
    return this.users.sign(from, { kind: 'contract-call', contract: this.token!, method: 'transfer', args }, 100_000)
  }

  at(height: number): Transaction[] {
    const users = this.users
    if (height === 1) return users.keys.map((_, user) => users.sign(user, { kind: 'participant', name: `user ${user}` }))
    if (height === 2) {
      this.token = contractAddressOf(users.keys[0]!.id, users.nonce(0))
      return [users.sign(0, { kind: 'contract-deploy', code: TOKEN_SOURCE, args: '["Gold", "GLD", 1000000000]' })]
    }
    if (height === 3) return users.keys.slice(1).map((_, i) => this.transfer(0, i + 1, 1_000_000))
    return Array.from({ length: this.perBlock }, () => {
      const from = this.sent++ % USERS
      return this.transfer(from, (from + 1) % USERS, 1)
    })
  }
}

/**
 * Builds a chain of `recipe.length` blocks into a new database at `path` (or on top of what
 * `path` holds) and returns its blocks. Blocks are sealed at difficulty 1, so building costs
 * execution only.
 */
export async function buildChain(path: string, genesis: GenesisConfig, recipe: ChainRecipe): Promise<Block[]> {
  const vm = new ContractVm()
  const chain = await Chain.open({ path, genesis, consensus: createConsensus(genesis), vm, create: true })
  try {
    const users = new Users(chain.networkId, recipe.salt ?? 'main')
    const mix: TransactionSource = recipe.transfersPerBlock === undefined ? new TransactionMix(users) : new TokenTransfers(users, recipe.transfersPerBlock)
    const blocks: Block[] = []
    for (let i = 0; i < recipe.length; i++) {
      const parent = chain.head.header
      const txs = mix.at(parent.height + 1)
      const { block, skipped } = await produceBlock(chain, txs, PRODUCER.id, parent.timestamp + (recipe.intervalMs ?? BLOCK_INTERVAL_MS))
      if (skipped.length > 0) throw new Error(`fixture block ${parent.height + 1}: ${skipped[0]!.error.message}`)
      const sealed = { ...block, header: sealSync(block.header) }
      const result = await chain.importBlock(sealed)
      if (result.status !== 'head') throw new Error(`fixture block ${sealed.header.height} became ${result.status}`)
      blocks.push(sealed)
    }
    return blocks
  } finally {
    await chain.close()
    vm.close()
  }
}

const built = new Map<string, Promise<{ path: string; blocks: Block[] }>>()

/**
 * A chain database built once per test process for `recipe` (in a directory removed at exit),
 * to be copied by each test that needs it: building costs seconds, copying milliseconds.
 */
export function fixtureChain(genesis: GenesisConfig, recipe: ChainRecipe): Promise<{ path: string; blocks: Block[] }> {
  const key = `${genesis.network} ${recipe.length} ${recipe.salt ?? 'main'} ${recipe.intervalMs ?? BLOCK_INTERVAL_MS} ${recipe.transfersPerBlock ?? 'mix'}`
  let entry = built.get(key)
  if (entry === undefined) {
    entry = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chain-sync-fixture-'))
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
      const path = join(dir, 'db')
      return { path, blocks: await buildChain(path, genesis, recipe) }
    })()
    built.set(key, entry)
  }
  return entry
}

/** Copies a chain database (closed) to `to`. */
export async function copyChain(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true })
}

/** What a lying server lies about. */
export interface Lies {
  /** Headers: asked by height, another chain (the real headers dated a millisecond later, re-linked, each valid on its own parent); asked by hash, the real header then that other chain. */
  readonly headers?: boolean
  /** Bodies: every body empty (wrong for any block with transactions). */
  readonly bodies?: boolean
}

/** A lying view of `chain` for a hostile sync server; it announces the chain's real head. */
export function lyingReader(chain: Chain, lies: Lies): ChainReader {
  const fakeHeaders = new Map<string, BlockHeader>()
  const fakeAt: Uint8Array[] = []
  let parentHash = chain.store.canonicalHash(0)!
  for (let height = 1; height <= chain.head.header.height; height++) {
    const real = chain.store.header(chain.store.canonicalHash(height)!)!
    const fake = { ...real, timestamp: real.timestamp + 1, parentHash }
    parentHash = blockHash(fake)
    fakeHeaders.set(toHex(parentHash), fake)
    fakeAt[height] = parentHash
  }
  const header = (hash: Uint8Array): BlockHeader | undefined => {
    const fake = fakeHeaders.get(toHex(hash))
    if (fake !== undefined || !lies.headers) return fake ?? chain.store.header(hash)
    const real = chain.store.header(hash)
    if (real === undefined || real.height === chain.head.header.height) return real
    return fakeHeaders.get(toHex(fakeAt[real.height] ?? new Uint8Array())) ?? real
  }
  return {
    head: () => ({ hash: chain.head.hash, height: chain.head.header.height, totalWork: chain.head.totalWork }),
    canonicalHash: (height) => (lies.headers ? fakeAt[height] : undefined) ?? chain.store.canonicalHash(height),
    header,
    block: (hash) => {
      const block = chain.store.block(hash)
      return block === undefined || !lies.bodies ? block : { header: block.header, transactions: [] }
    },
  }
}

/**
 * The chain: block import, fork choice and reorganisation over the chain database.
 *
 * A block is checked in order of cost: known or not, parent known, its header against its
 * parent and ancestors (consensus), its own contents (size, transactions root, every
 * signature), and last, only if fork choice would make it the head, its execution. Blocks of lighter branches are stored
 * without execution (as Bitcoin Core does) and executed if their branch ever becomes the
 * preferred. Moving the head, by one block or by a reorganisation of many, is one atomic batch:
 * the flat state is taken back to the fork point with the undo logs of the abandoned blocks, the
 * new branch is executed on top, and indexes, state, receipts and head are written together.
 *
 * Imports are serialised: one at a time, so execution always sees a state nobody else changes.
 */
import { EventEmitter } from 'node:events'
import type { CacheUsage } from '../cache/bounded-cache.js'
import { ChainError } from '../errors.js'
import { bytesEqual, toHex } from '../encoding/bytes.js'
import { blockHash, transactionHashes, validateBlockBody, type Block, type BlockHeader, type ChainParams } from '../ledger/block.js'
import type { GenesisConfig } from '../ledger/genesis.js'
import type { Consensus } from '../consensus/consensus.js'
import { BlockExecutor, ExecutionError, type BlockExecution } from '../state/executor.js'
import { StateOverlay, type StateChange, type StateReader } from '../state/overlay.js'
import { StateTrie, type TrieNodeWrite } from '../state/trie.js'
import type { ContractVm, ScopeEnd } from '../vm/vm.js'
import { verifyOnThisThread, type BatchVerifier } from '../crypto/verify-pool/pool.js'
import { ChainStore, StoreBatch, StoreError, type BlockMeta } from '../store/chain-store.js'
import type { Receipt } from '../state/receipts.js'
import { indexCanonicalEvents } from './events.js'
import { buildGenesisBlock } from './genesis-block.js'
import { TransactionVerifier } from './tx-verifier.js'

export type ChainErrorCode =
  | 'CHAIN_ERROR_UNKNOWN_PARENT' // the parent is not stored (yet): fetch it, or queue the block
  | 'CHAIN_ERROR_INVALID_PARENT' // the parent (or an ancestor) was found invalid
  | 'CHAIN_ERROR_KNOWN_INVALID' // this very block was found invalid before
  | 'CHAIN_ERROR_NOT_FOUND' // a block, height or transaction that is not in the chain

export class ChainOperationError extends ChainError<ChainErrorCode, { detail: string }> {
  constructor(code: ChainErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

export interface ChainHead {
  readonly hash: Uint8Array
  readonly header: BlockHeader
  readonly totalWork: bigint
}

/** What an import did: `known` (had it), `side` (stored on a branch fork choice does not prefer), `head` (new head). */
export type ImportResult =
  | { readonly status: 'known' | 'side'; readonly hash: Uint8Array }
  | { readonly status: 'head'; readonly hash: Uint8Array; readonly reverted: readonly Block[]; readonly applied: readonly Block[] }

export interface HeadChange {
  readonly head: ChainHead
  /** Blocks that left the canonical chain (newest first) and joined it (oldest first). */
  readonly reverted: readonly Block[]
  readonly applied: readonly Block[]
}

/** The chain's caches: the state trie's nodes, the flat state's values, and LevelDB's own (its block cache and memtables). */
export interface ChainCacheUsage {
  readonly trieNodes: CacheUsage
  readonly state: CacheUsage
  readonly levelDb: CacheUsage
}

export interface ChainInit {
  /** Directory of this network's LevelDB. */
  readonly path: string
  readonly genesis: GenesisConfig
  readonly consensus: Consensus
  readonly vm: ContractVm
  /**
   * What checks transaction signatures: the node's verify pool (src/crypto/verify-pool); this
   * thread when omitted (tools and tests that start no threads).
   */
  readonly verifier?: BatchVerifier
  /** Create the database (with its genesis block) when there is none. */
  readonly create?: boolean
  /** The clock that bounds timestamps from the future; a parameter so tests can move it. */
  readonly now?: () => number
}

/**
 * A block as this node's producer built it (`produceBlock`), before its seal: its transactions
 * (already admitted, signatures checked, by the mempool), its execution on its parent's state
 * and the trie nodes that execution made. Importing the sealed block with it neither verifies
 * nor executes the transactions again: what geth does with the blocks its miner writes.
 */
export interface ProducedExecution {
  readonly block: Block
  readonly execution: BlockExecution
  readonly trieNodes: readonly TrieNodeWrite[]
}

/** Whether `block` is the produced block, sealed: the same transactions on the same parent, committing to the same results. */
function isProduced(block: Block, produced: ProducedExecution | undefined): produced is ProducedExecution {
  if (produced === undefined || block.transactions !== produced.block.transactions) return false
  const [sealed, built] = [block.header, produced.block.header]
  return (
    sealed.height === built.height &&
    sealed.timestamp === built.timestamp &&
    sealed.gasUsed === built.gasUsed &&
    bytesEqual(sealed.parentHash, built.parentHash) &&
    bytesEqual(sealed.producer, built.producer) &&
    bytesEqual(sealed.txRoot, built.txRoot) &&
    bytesEqual(sealed.stateRoot, built.stateRoot) &&
    bytesEqual(sealed.receiptsRoot, built.receiptsRoot)
  )
}

export interface ImportOptions {
  /**
   * Called once the block has passed every check but its execution (header, seal, size,
   * transactions root, every signature) when it extends the head: it is executed, as the new
   * head, once what this returns has settled. Gossip relays it from here (docs/architecture.md,
   * "Block relay before execution").
   */
  readonly onChecked?: () => Promise<void> | void
}

/** What one import did and how long it took (for metrics). */
export interface ImportTiming {
  readonly status: ImportResult['status'] | 'failed'
  readonly durationMs: number
}

export class Chain extends EventEmitter<{ head: [HeadChange]; imported: [ImportTiming] }> {
  readonly params: ChainParams
  readonly executor: BlockExecutor
  readonly trie: StateTrie
  /** The one path of signature checks: import here, and the node's admission of transactions. */
  readonly signatures: TransactionVerifier
  private current: ChainHead
  /**
   * The overlay the head block ran in (executed or produced here), as it ended: the head's
   * contract state is exactly its result, so the next block's execution continues from it and
   * the VM keeps what it read (src/vm/sandbox-state.ts). Undefined after a restart, a failure,
   * or a head made any other way.
   */
  private headScope: { readonly hash: Uint8Array; readonly end: ScopeEnd } | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private readonly now: () => number

  private constructor(
    readonly store: ChainStore,
    readonly genesis: GenesisConfig,
    readonly networkId: Uint8Array,
    readonly consensus: Consensus,
    vm: ContractVm,
    verifier: BatchVerifier,
    now: () => number,
  ) {
    super()
    this.params = genesis.params
    this.signatures = new TransactionVerifier(verifier, networkId)
    this.executor = new BlockExecutor(vm, genesis.params)
    this.trie = new StateTrie(store.trieNodes)
    this.now = now
    this.current = this.loadHead()
  }

  static async open(init: ChainInit): Promise<Chain> {
    const genesis = buildGenesisBlock(init.genesis)
    const store = await ChainStore.open(init.path, genesis.hash, { create: init.create ?? false })
    try {
      if (store.head() === undefined) {
        const batch = new StoreBatch()
          .putBlock(genesis.hash, genesis.block)
          .putMeta(genesis.hash, { height: 0, totalWork: init.consensus.work(genesis.block.header), status: 'valid' })
          .setCanonical(0, genesis.hash)
          .putReceipts(genesis.hash, [])
          .putUndo(genesis.hash, [])
          .applyState(genesis.state)
          .putTrieNodes(genesis.trieNodes)
          .setHead(genesis.hash)
          .markEventsIndexed()
        await store.write(batch)
      } else if (!bytesEqual(store.canonicalHash(0) ?? new Uint8Array(), genesis.hash)) {
        throw new StoreError('STORE_ERROR_CORRUPT', init.path, 'the stored genesis block is not this network’s')
      } else if (!store.eventsIndexed()) {
        await indexCanonicalEvents(store)
      }
      return new Chain(store, init.genesis, genesis.hash, init.consensus, init.vm, init.verifier ?? verifyOnThisThread, init.now ?? Date.now)
    } catch (error) {
      await store.close()
      throw error
    }
  }

  /** Reads the head and checks that its records agree; a database that contradicts itself is refused. */
  private loadHead(): ChainHead {
    const corrupt = (detail: string): StoreError => new StoreError('STORE_ERROR_CORRUPT', this.store.path, detail)
    const hash = this.store.head()
    if (hash === undefined) throw corrupt('no head block')
    const header = this.store.header(hash)
    const meta = this.store.meta(hash)
    if (header === undefined || meta === undefined) throw corrupt(`head ${toHex(hash)} is missing`)
    if (meta.height !== header.height || meta.status !== 'valid') throw corrupt(`head ${toHex(hash)} has inconsistent records`)
    if (!bytesEqual(this.store.canonicalHash(meta.height) ?? new Uint8Array(), hash)) {
      throw corrupt(`head ${toHex(hash)} is not canonical at height ${meta.height}`)
    }
    return { hash, header, totalWork: meta.totalWork }
  }

  get head(): ChainHead {
    return this.current
  }

  /** Runs `task` after every earlier import or query has finished. */
  exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(task, task)
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * Imports a block: validates it, stores it, and moves the head when its branch is the
   * heaviest. Throws the typed error of the first check it fails (`BlockError`,
   * `ConsensusError`, `ExecutionError`, `ChainOperationError`); a refused block changes nothing
   * but being remembered as invalid. `produced`: this node built the block (see
   * `ProducedExecution`); its header is still checked (the seal), its body is not run again.
   * `options.onChecked`: told when the checks before execution have passed (`ImportOptions`).
   */
  importBlock(block: Block, produced?: ProducedExecution, options: ImportOptions = {}): Promise<ImportResult> {
    return this.exclusive(async () => {
      const started = performance.now()
      try {
        const result = await this.importNow(block, isProduced(block, produced) ? produced : undefined, options)
        this.emit('imported', { status: result.status, durationMs: performance.now() - started })
        return result
      } catch (error) {
        this.emit('imported', { status: 'failed', durationMs: performance.now() - started })
        throw error
      }
    })
  }

  private async importNow(block: Block, produced: ProducedExecution | undefined, options: ImportOptions): Promise<ImportResult> {
    const hash = blockHash(block.header)
    const known = this.store.meta(hash)
    if (known !== undefined && this.store.block(hash) !== undefined) {
      if (known.status === 'invalid') throw new ChainOperationError('CHAIN_ERROR_KNOWN_INVALID', `block ${toHex(hash)} is known to be invalid`)
      return { status: 'known', hash }
    }
    const parentMeta = this.store.meta(block.header.parentHash)
    const parent = this.store.header(block.header.parentHash)
    if (parentMeta === undefined || parent === undefined) {
      throw new ChainOperationError('CHAIN_ERROR_UNKNOWN_PARENT', `parent ${toHex(block.header.parentHash)} of block ${block.header.height} is unknown`)
    }
    if (parentMeta.status === 'invalid') {
      await this.store.write(new StoreBatch().putMeta(hash, { height: block.header.height, totalWork: 0n, status: 'invalid' }))
      throw new ChainOperationError('CHAIN_ERROR_INVALID_PARENT', `parent ${toHex(block.header.parentHash)} is invalid`)
    }
    // The header first: one hash or one signature proves who made it, while the body costs a
    // signature check per transaction; a peer cannot make us verify a thousand for free.
    this.consensus.validateHeader(block.header, parent, this.now(), this.store)
    if (produced === undefined) {
      const txHashes = validateBlockBody(block, this.params)
      // Off this thread, in the verify pool; the block is refused whole if any signature fails.
      await this.signatures.checkBlock(block.transactions, txHashes)
    }
    const meta: BlockMeta = { height: block.header.height, totalWork: parentMeta.totalWork + this.consensus.work(block.header), status: 'stored' }
    // Fork choice is the consensus's total order: a tie is broken the same way on every node,
    // whatever order the blocks arrived in (never "keep the first seen").
    if (this.consensus.compareHeads({ hash, header: block.header, totalWork: meta.totalWork }, this.current, this.store) <= 0) {
      await this.store.write(new StoreBatch().putBlock(hash, block).putMeta(hash, meta))
      return { status: 'side', hash }
    }
    if (bytesEqual(block.header.parentHash, this.current.hash)) await options.onChecked?.()
    return this.moveHead(hash, block, meta, produced)
  }

  /** The overlay the head ran in, as it ended, for an execution on the head's state; or undefined. */
  continuesFromHead(): ScopeEnd | undefined {
    const scope = this.headScope
    return scope !== undefined && bytesEqual(scope.hash, this.current.hash) ? scope.end : undefined
  }

  /** Makes `block` (preferred to the head) the head: reverts to the fork point, executes the branch. */
  private async moveHead(hash: Uint8Array, block: Block, meta: BlockMeta, produced: ProducedExecution | undefined): Promise<ImportResult> {
    const branch = this.branchTo(hash, block)
    const forkHeight = block.header.height - branch.length
    // On the head, the first block continues from the head's overlay; after a revert, nothing does.
    let continues = forkHeight === this.current.header.height ? this.continuesFromHead() : undefined
    this.headScope = undefined
    const state = new StateOverlay(this.store.state)
    const batch = new StoreBatch()
    const reverted: Block[] = []
    for (let height = this.current.header.height; height > forkHeight; height--) {
      const oldHash = this.store.canonicalHash(height)!
      const oldBlock = this.requireBlock(oldHash)
      for (const { key, value } of this.requireUndo(oldHash)) {
        if (value === null) state.delete(key)
        else state.set(key, value)
      }
      for (const txHash of transactionHashes(oldBlock.transactions)) batch.clearTxLocation(txHash)
      batch.clearEvents(height, this.requireReceipts(oldHash))
      if (height > block.header.height) batch.clearCanonical(height)
      reverted.push(oldBlock)
    }
    let parent = this.store.header(branch[0]!.block.header.parentHash)!
    let parentWork = this.store.meta(branch[0]!.block.header.parentHash)!.totalWork
    for (const [position, step] of branch.entries()) {
      let execution
      try {
        // The producer's execution was on this same parent's state: the same result.
        execution = step.block === block && produced !== undefined ? produced.execution : await this.executor.execute(step.block, parent, state, this.trie, continues)
      } catch (error) {
        this.trie.discardPending()
        if (error instanceof ExecutionError) await this.markInvalid(branch.slice(position), hash, block, meta)
        throw error
      }
      for (const { key, value } of execution.changes) {
        if (value === null) state.delete(key)
        else state.set(key, value)
      }
      continues = execution.end
      parentWork += this.consensus.work(step.block.header)
      batch
        .putMeta(step.hash, { height: step.block.header.height, totalWork: parentWork, status: 'valid' })
        .setCanonical(step.block.header.height, step.hash)
        .putReceipts(step.hash, execution.receipts)
        .putUndo(step.hash, execution.undo)
      const txHashes = transactionHashes(step.block.transactions)
      txHashes.forEach((txHash, index) => batch.putTxLocation(txHash, { blockHash: step.hash, index }))
      batch.putEvents(step.block.header.height, step.hash, txHashes, execution.receipts)
      parent = step.block.header
    }
    batch.putBlock(hash, block).applyState(state.changed()).putTrieNodes(this.trie.takeNodeWrites()).setHead(hash)
    if (produced !== undefined) batch.putTrieNodes(produced.trieNodes)
    await this.store.write(batch)
    this.current = { hash, header: block.header, totalWork: meta.totalWork }
    if (continues !== undefined) this.headScope = { hash, end: continues }
    const applied = branch.map((step) => step.block)
    this.emit('head', { head: this.current, reverted, applied })
    return { status: 'head', hash, reverted, applied }
  }

  /** The blocks from just above the fork point with the canonical chain up to `block`, oldest first. */
  private branchTo(hash: Uint8Array, block: Block): { hash: Uint8Array; block: Block }[] {
    const branch = [{ hash, block }]
    let cursor = block.header
    while (!this.isCanonical(cursor.parentHash, cursor.height - 1)) {
      const parentHash = cursor.parentHash
      const parent = this.requireBlock(parentHash)
      branch.unshift({ hash: parentHash, block: parent })
      cursor = parent.header
    }
    return branch
  }

  private isCanonical(hash: Uint8Array, height: number): boolean {
    const canonical = this.store.canonicalHash(height)
    return canonical !== undefined && bytesEqual(canonical, hash)
  }

  private requireBlock(hash: Uint8Array): Block {
    const block = this.store.block(hash)
    if (block === undefined) throw new StoreError('STORE_ERROR_CORRUPT', this.store.path, `block ${toHex(hash)} is missing`)
    return block
  }

  private requireUndo(hash: Uint8Array): StateChange[] {
    const undo = this.store.undo(hash)
    if (undo === undefined) throw new StoreError('STORE_ERROR_CORRUPT', this.store.path, `undo log of ${toHex(hash)} is missing`)
    return undo
  }

  private requireReceipts(hash: Uint8Array): Receipt[] {
    const receipts = this.store.receipts(hash)
    if (receipts === undefined) throw new StoreError('STORE_ERROR_CORRUPT', this.store.path, `receipts of ${toHex(hash)} are missing`)
    return receipts
  }

  /** Remembers a branch that failed execution as invalid, so it is never executed again. */
  private async markInvalid(steps: { hash: Uint8Array; block: Block }[], hash: Uint8Array, block: Block, meta: BlockMeta): Promise<void> {
    const batch = new StoreBatch().putBlock(hash, block)
    for (const step of steps) batch.putMeta(step.hash, { height: step.block.header.height, totalWork: meta.totalWork, status: 'invalid' })
    await this.store.write(batch)
  }

  /** What the chain's caches hold, each against its bound in bytes (for metrics). */
  cacheUsage(): ChainCacheUsage {
    return { trieNodes: this.trie.cacheUsage, state: this.store.stateCacheUsage, levelDb: this.store.levelDbUsage }
  }

  /** The state after the canonical block at `height` (the head's when omitted). */
  stateAt(height?: number): StateReader {
    const head = this.current.header.height
    if (height === undefined || height === head) return this.store.state
    if (!Number.isSafeInteger(height) || height < 0 || height > head) {
      throw new ChainOperationError('CHAIN_ERROR_NOT_FOUND', `no block at height ${height} (head is at ${head})`)
    }
    const state = new StateOverlay(this.store.state)
    for (let h = head; h > height; h--) {
      for (const { key, value } of this.requireUndo(this.store.canonicalHash(h)!)) {
        if (value === null) state.delete(key)
        else state.set(key, value)
      }
    }
    return state
  }

  async close(): Promise<void> {
    await this.exclusive(() => this.store.close())
  }
}

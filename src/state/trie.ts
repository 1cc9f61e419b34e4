/**
 * The state trie: a Merkle Patricia Trie (`@ethereumjs/mpt`) over every state key, whose root
 * is the `stateRoot` of each block header.
 *
 * Keys are hashed before insertion (Ethereum's "secure trie"): contracts choose their storage
 * keys, and unhashed keys would let them grow one deep, expensive path on purpose. Nodes are
 * hashed with SHA-256 like everything else in `chain`. Nodes are stored by hash and never
 * deleted, so the state of every earlier block stays readable by its root.
 *
 * The trie does not write to LevelDB itself: new nodes collect in memory, and the chain puts
 * them into the same atomic batch as the block they belong to.
 */
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import type { BatchDBOp, DB } from '@ethereumjs/util'
import { sha256 } from '../crypto/hash.js'
import type { StateChange } from './overlay.js'

/** Reads stored trie nodes by hash. */
export interface TrieNodeReader {
  get(hash: Uint8Array): Promise<Uint8Array | undefined>
}

/** Trie nodes read recently, kept in memory: a block touches the same upper nodes again and again. */
const NODE_CACHE_ENTRIES = 100_000

const hashKey = (bytes: Uint8Array): Uint8Array => sha256(bytes)

/** The `DB` the trie library expects, over stored nodes plus the nodes not yet committed. */
class PendingNodeDb implements DB<string, Uint8Array> {
  readonly pending = new Map<string, Uint8Array>()

  constructor(private readonly stored: TrieNodeReader) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.pending.get(key) ?? (await this.stored.get(Buffer.from(key, 'hex')))
  }

  put(key: string, value: Uint8Array): Promise<void> {
    this.pending.set(key, value)
    return Promise.resolve()
  }

  /** Nodes are content-addressed and shared between states: never deleted. */
  del(): Promise<void> {
    return Promise.resolve()
  }

  batch(operations: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const operation of operations) if (operation.type === 'put') this.pending.set(operation.key, operation.value)
    return Promise.resolve()
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this
  }

  open(): Promise<void> {
    return Promise.resolve()
  }
}

/** A node reader over nothing: for tries built from scratch in memory (genesis, checks). */
export const NO_STORED_NODES: TrieNodeReader = { get: () => Promise.resolve(undefined) }

export interface TrieNodeWrite {
  readonly hash: Uint8Array
  readonly node: Uint8Array
}

export class StateTrie {
  private readonly db: PendingNodeDb
  private readonly trie: MerklePatriciaTrie

  constructor(stored: TrieNodeReader) {
    this.db = new PendingNodeDb(stored)
    this.trie = new MerklePatriciaTrie({
      db: this.db,
      useKeyHashing: true,
      useKeyHashingFunction: hashKey,
      valueEncoding: 'view',
      cacheSize: NODE_CACHE_ENTRIES,
    })
  }

  /** Root of the trie with no keys. */
  get emptyRoot(): Uint8Array {
    return this.trie.EMPTY_TRIE_ROOT
  }

  /** Applies `changes` to the state with root `root`; returns the new root. */
  async apply(root: Uint8Array, changes: readonly StateChange[]): Promise<Uint8Array> {
    this.trie.root(root)
    for (const { key, value } of changes) {
      if (value === null) await this.trie.del(key)
      else await this.trie.put(key, value)
    }
    return this.trie.root()
  }

  /** Reads one key of the state with root `root` (proof-backed reads; execution uses the flat copy). */
  async get(root: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.trie.root(root)
    return (await this.trie.get(key)) ?? undefined
  }

  /** The nodes made since the last call, to be written with the block that made them. */
  takeNodeWrites(): TrieNodeWrite[] {
    const writes = [...this.db.pending].map(([hex, node]) => ({ hash: Buffer.from(hex, 'hex'), node }))
    this.db.pending.clear()
    return writes
  }

  /** Forgets uncommitted nodes (the block that made them was refused). */
  discardPending(): void {
    this.db.pending.clear()
  }
}

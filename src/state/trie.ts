/**
 * The state trie: a Merkle Patricia Trie over every state key, whose root is the `stateRoot`
 * of each block header.
 *
 * Keys are hashed before insertion (Ethereum's "secure trie"): contracts choose their storage
 * keys, and unhashed keys would let them grow one deep, expensive path on purpose. Nodes are
 * hashed with SHA-256 like everything else in `chain`. Nodes are stored by hash and never
 * deleted, so the state of every earlier block stays readable by its root.
 *
 * A block's changes are applied in one pass (docs/architecture.md, "State"): sorted by hashed
 * key, they walk down the old trie together, each touched node is read once, the new nodes are
 * built in memory, and then each is encoded and hashed once, bottom up. Applying keys one by
 * one instead re-hashes the whole path to the root for every key and stores every
 * intermediate node.
 *
 * The trie does not write to LevelDB itself: new nodes collect in memory, and the chain puts
 * them into the same atomic batch as the block they belong to. Nodes of the current state read
 * or written recently stay in a cache bounded in bytes (consecutive blocks touch the same upper
 * nodes); a node a block replaces leaves it.
 */
import { BoundedCache, byteArrayBytes, type CacheUsage } from '../cache/bounded-cache.js'
import { bytesKey, compareBytes } from '../encoding/bytes.js'
import { sha256 } from '../crypto/hash.js'
import { TRIE_NODE_CACHE_BYTES } from './constants.js'
import type { StateChange } from './overlay.js'
import {
  bytesToNibbles,
  commitNodes,
  decodeNode,
  EMPTY_TRIE_ROOT,
  TrieError,
  type BranchNode,
  type Nibbles,
  type NodeRef,
  type TrieNode,
  type TrieNodeWrite,
} from './trie-node.js'

export { TrieError, type TrieErrorCode, type TrieNodeWrite } from './trie-node.js'

/** Reads stored trie nodes by hash. */
export interface TrieNodeReader {
  get(hash: Uint8Array): Uint8Array | undefined
}

/** A node reader over nothing: for tries built from scratch in memory (genesis, checks). */
export const NO_STORED_NODES: TrieNodeReader = { get: () => undefined }

/** One change at a key's path in the trie (the hashed key, in nibbles). */
export interface PathChange {
  readonly path: Nibbles
  readonly value: Uint8Array | null
}

function commonPrefix(a: Nibbles, b: Nibbles, from: number, limit: number): number {
  let length = 0
  while (length < limit && a[from + length] === b[from + length]) length++
  return length
}

const leaf = (path: Nibbles, value: Uint8Array): TrieNode => ({ kind: 'leaf', path, value })

/** `node` with `prefix` in front of its path: how a node moves up when the branch above it goes. */
function prepend(prefix: Nibbles, node: TrieNode): TrieNode {
  const join = (path: Nibbles): Nibbles => {
    const joined = new Uint8Array(prefix.length + path.length)
    joined.set(prefix)
    joined.set(path, prefix.length)
    return joined
  }
  switch (node.kind) {
    case 'leaf':
      return leaf(join(node.path), node.value)
    case 'extension':
      return { kind: 'extension', path: join(node.path), child: node.child }
    case 'branch':
      return prefix.length === 0 ? node : { kind: 'extension', path: prefix, child: node }
  }
}

/**
 * One block's update of a trie: walks the old trie along sorted changes and returns the new
 * root node in memory (`commitNodes` then encodes it). Every key has the same length (64
 * nibbles), so values live in leaves only.
 */
class TrieUpdate {
  constructor(
    private readonly changes: readonly PathChange[],
    private readonly load: (hash: Uint8Array) => TrieNode,
  ) {}

  private resolve(ref: NodeRef): TrieNode | null {
    return ref instanceof Uint8Array ? this.load(ref) : ref
  }

  /** The node at `ref` (at `depth` nibbles) with changes [from, to) applied; they all share its first `depth` nibbles. */
  update(ref: NodeRef, depth: number, from: number, to: number): TrieNode | null {
    const node = this.resolve(ref)
    if (node === null) return this.build(depth, this.changes.slice(from, to))
    switch (node.kind) {
      case 'leaf':
        return this.build(depth, this.withLeaf(node, depth, from, to))
      case 'extension': {
        const first = this.changes[from]!.path
        const last = this.changes[to - 1]!.path
        // Sorted paths: what the first and the last share with the extension, all between share.
        const shared = Math.min(commonPrefix(node.path, first.subarray(depth), 0, node.path.length), commonPrefix(node.path, last.subarray(depth), 0, node.path.length))
        if (shared === node.path.length) {
          const child = this.update(node.child, depth + shared, from, to)
          return child === null ? null : prepend(node.path, child)
        }
        return this.update(splitExtension(node, shared), depth, from, to)
      }
      case 'branch':
        return this.updateBranch(node, depth, from, to)
    }
  }

  private updateBranch(node: BranchNode, depth: number, from: number, to: number): TrieNode | null {
    const children = [...node.children]
    for (let start = from; start < to; ) {
      const nibble = this.changes[start]!.path[depth]!
      let end = start + 1
      while (end < to && this.changes[end]!.path[depth] === nibble) end++
      children[nibble] = this.update(children[nibble]!, depth + 1, start, end)
      start = end
    }
    const live = children.flatMap((child, nibble) => (child === null ? [] : [nibble]))
    if (live.length === 0) return null
    // A branch left with one child is not a branch in a canonical trie: the child moves up.
    if (live.length === 1 && node.value.length === 0) return prepend(Uint8Array.of(live[0]!), this.resolve(children[live[0]!]!)!)
    return { kind: 'branch', children, value: node.value }
  }

  /** The leaf's key among changes [from, to), unless one of them rewrites it. */
  private withLeaf(node: TrieNode & { kind: 'leaf' }, depth: number, from: number, to: number): PathChange[] {
    const prefix = this.changes[from]!.path.subarray(0, depth)
    const path = new Uint8Array(depth + node.path.length)
    path.set(prefix)
    path.set(node.path, depth)
    const changes = this.changes.slice(from, to)
    const at = changes.findIndex((change) => compareBytes(change.path, path) >= 0)
    if (at === -1) return [...changes, { path, value: node.value }]
    if (compareBytes(changes[at]!.path, path) === 0) return changes
    return [...changes.slice(0, at), { path, value: node.value }, ...changes.slice(at)]
  }

  /** A new subtree at `depth` holding the set values of `changes` (sorted); an empty value is none, as in Ethereum. */
  private build(depth: number, changes: readonly PathChange[]): TrieNode | null {
    const kept = changes.filter((change): change is PathChange & { value: Uint8Array } => change.value !== null && change.value.length > 0)
    if (kept.length === 0) return null
    if (kept.length === 1) return leaf(kept[0]!.path.subarray(depth), kept[0]!.value)
    const first = kept[0]!.path
    const shared = commonPrefix(first, kept[kept.length - 1]!.path, depth, first.length - depth)
    const at = depth + shared
    const children: NodeRef[] = new Array<NodeRef>(16).fill(null)
    for (let start = 0; start < kept.length; ) {
      const nibble = kept[start]!.path[at]!
      let end = start + 1
      while (end < kept.length && kept[end]!.path[at] === nibble) end++
      children[nibble] = this.build(at + 1, kept.slice(start, end))
      start = end
    }
    return prepend(first.subarray(depth, at), { kind: 'branch', children, value: new Uint8Array(0) })
  }
}

/** The extension split `shared` nibbles in, where a change leaves its path: a branch takes the next nibble. */
function splitExtension(node: TrieNode & { kind: 'extension' }, shared: number): TrieNode {
  const rest = node.path.subarray(shared + 1)
  const below: NodeRef = rest.length === 0 ? node.child : { kind: 'extension', path: rest, child: node.child }
  const children: NodeRef[] = new Array<NodeRef>(16).fill(null)
  children[node.path[shared]!] = below
  return prepend(node.path.subarray(0, shared), { kind: 'branch', children, value: new Uint8Array(0) })
}

/**
 * Applies `changes` (sorted by path, one per path) to the trie with root `root` whose nodes
 * `load` reads; appends the new nodes to `writes` and returns the new root.
 */
export function updateTrie(root: Uint8Array, changes: readonly PathChange[], load: (hash: Uint8Array) => TrieNode, writes: TrieNodeWrite[]): Uint8Array {
  if (changes.length === 0) return root
  const start: NodeRef = compareBytes(root, EMPTY_TRIE_ROOT) === 0 ? null : root
  return commitNodes(new TrieUpdate(changes, load).update(start, 0, 0, changes.length), writes)
}

export class StateTrie {
  /** Nodes made since the last `takeNodeWrites`, by their hash's `bytesKey`: later blocks of a branch read them. */
  private readonly pending = new Map<string, TrieNodeWrite>()
  private readonly cache: BoundedCache<Uint8Array>
  /** Nodes read by the updates since the last `takeNodeWrites`, by `bytesKey`: their blocks replace them. */
  private readonly replaced = new Set<string>()

  constructor(
    private readonly stored: TrieNodeReader,
    cacheBytes = TRIE_NODE_CACHE_BYTES,
  ) {
    this.cache = new BoundedCache(cacheBytes, byteArrayBytes)
  }

  /** Root of the trie with no keys. */
  readonly emptyRoot = EMPTY_TRIE_ROOT

  /** What the node cache holds, against the bound it was made with. */
  get cacheUsage(): CacheUsage {
    return this.cache.usage
  }

  private readonly load = (hash: Uint8Array): TrieNode => {
    const key = bytesKey(hash)
    let encoded = this.pending.get(key)?.node ?? this.cache.get(key)
    if (encoded === undefined) {
      encoded = this.stored.get(hash)
      if (encoded === undefined) throw new TrieError('TRIE_ERROR_MISSING_NODE', hash, 'not stored')
      this.cache.set(key, encoded)
    }
    // Read on the path of a change, so replaced by the update that reads it.
    this.replaced.add(key)
    return decodeNode(encoded, hash)
  }

  /** Applies `changes` to the state with root `root` (a key changed twice: the later change); returns the new root. */
  apply(root: Uint8Array, changes: readonly StateChange[]): Uint8Array {
    const sorted = changes.map(({ key, value }) => ({ path: bytesToNibbles(sha256(key)), value })).sort((a, b) => compareBytes(a.path, b.path))
    // The sort is stable: of equal paths, the last is the latest change.
    const paths = sorted.filter((change, i) => i + 1 === sorted.length || compareBytes(change.path, sorted[i + 1]!.path) !== 0)
    const writes: TrieNodeWrite[] = []
    const newRoot = updateTrie(root, paths, this.load, writes)
    for (const write of writes) this.pending.set(bytesKey(write.hash), write)
    return newRoot
  }

  /** The nodes made since the last call, to be written with the block that made them. */
  takeNodeWrites(): TrieNodeWrite[] {
    const writes = [...this.pending.values()]
    // The nodes the block replaced leave the cache: only a block on an older state (a
    // reorganisation) reads them again, from the store. Kept, they filled the cache with every
    // earlier version of the state's upper nodes, and a node's memory grew with its chain.
    for (const key of this.replaced) this.cache.delete(key)
    this.replaced.clear()
    // The next block reads the upper nodes just made.
    for (const [key, { node }] of this.pending) this.cache.set(key, node)
    this.pending.clear()
    return writes
  }

  /** Forgets uncommitted nodes (the block that made them was refused); the nodes it read stay current. */
  discardPending(): void {
    this.pending.clear()
    this.replaced.clear()
  }
}

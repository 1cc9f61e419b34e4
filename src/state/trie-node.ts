/**
 * The nodes of a Merkle Patricia Trie, as Ethereum's Yellow Paper (appendix D) defines them,
 * and their encoding: RLP, with paths in hex-prefix ("compact") form.
 *
 *   leaf       [compact(path, leaf), value]      the rest of a key's path, and its value
 *   extension  [compact(path), child]            a path shared by every key below
 *   branch     [child × 16, value]               one child per next nibble
 *
 * A child is referenced by the SHA-256 of its encoding, or, when that encoding is shorter than
 * 32 bytes, embedded as it is. The byte layout is `@ethereumjs/mpt`'s (with SHA-256 for its
 * hash), which `chain` used before it updated the trie itself: roots are the same bit for bit
 * (test/state/trie.test.ts checks it against that library).
 */
import { RLP, type NestedUint8Array } from '@ethereumjs/rlp'
import { ChainError } from '../errors.js'
import { HASH_BYTES, sha256 } from '../crypto/hash.js'

export type TrieErrorCode =
  | 'TRIE_ERROR_MISSING_NODE' // a node a root refers to is not stored: the database lost it
  | 'TRIE_ERROR_BAD_NODE' // a stored node is not the encoding of a trie node

export class TrieError extends ChainError<TrieErrorCode, { hash: string; detail: string }> {
  constructor(code: TrieErrorCode, hash: Uint8Array, detail: string) {
    const hex = Buffer.from(hash).toString('hex')
    super(code, { hash: hex, detail }, `state trie node ${hex}: ${detail}`)
  }
}

/** A path in nibbles (half-bytes), one per array element. */
export type Nibbles = Uint8Array

export interface LeafNode {
  readonly kind: 'leaf'
  readonly path: Nibbles
  readonly value: Uint8Array
}

export interface ExtensionNode {
  readonly kind: 'extension'
  readonly path: Nibbles
  readonly child: NodeRef
}

export interface BranchNode {
  readonly kind: 'branch'
  readonly children: readonly NodeRef[]
  /** The value of a key ending here; always empty in a trie of equal-length (hashed) keys. */
  readonly value: Uint8Array
}

export type TrieNode = LeafNode | ExtensionNode | BranchNode

/** A child: the hash of a stored node (not read until needed), a node in memory, or none. */
export type NodeRef = Uint8Array | TrieNode | null

type RawRef = Uint8Array | NestedUint8Array

const EMPTY = new Uint8Array(0)
const LEAF_FLAG = 2
const ODD_FLAG = 1

/** Root of the trie with no keys: the hash of the encoding of the empty string. */
export const EMPTY_TRIE_ROOT = sha256(RLP.encode(EMPTY))

export function bytesToNibbles(bytes: Uint8Array): Nibbles {
  const nibbles = new Uint8Array(bytes.length * 2)
  bytes.forEach((byte, i) => {
    nibbles[2 * i] = byte >> 4
    nibbles[2 * i + 1] = byte & 0x0f
  })
  return nibbles
}

/** Hex-prefix encoding: a flag nibble (leaf? odd length?) then the nibbles, packed in bytes. */
function compactPath(path: Nibbles, leaf: boolean): Uint8Array {
  const odd = path.length % 2
  const out = new Uint8Array(((path.length - odd) >> 1) + 1)
  out[0] = (((leaf ? LEAF_FLAG : 0) | odd) << 4) | (odd === 1 ? path[0]! : 0)
  for (let i = odd, o = 1; i < path.length; i += 2, o++) out[o] = (path[i]! << 4) | path[i + 1]!
  return out
}

function expandPath(compact: Uint8Array, hash: Uint8Array): { path: Nibbles; leaf: boolean } {
  if (compact.length === 0) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'empty path')
  const flags = compact[0]! >> 4
  if (flags > (LEAF_FLAG | ODD_FLAG)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, `path flags ${flags}`)
  const nibbles = bytesToNibbles(compact)
  return { path: nibbles.subarray(flags & ODD_FLAG ? 1 : 2), leaf: (flags & LEAF_FLAG) !== 0 }
}

function decodeRef(raw: Uint8Array | NestedUint8Array, hash: Uint8Array): NodeRef {
  if (Array.isArray(raw)) return decodeRaw(raw, hash)
  if (raw.length === 0) return null
  if (raw.length !== HASH_BYTES) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, `a child reference of ${raw.length} bytes`)
  return raw
}

function decodeRaw(raw: NestedUint8Array, hash: Uint8Array): TrieNode {
  if (raw.length === 17) {
    const value = raw[16]!
    if (Array.isArray(value)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'a branch value that is a list')
    return { kind: 'branch', children: raw.slice(0, 16).map((child) => decodeRef(child, hash)), value }
  }
  if (raw.length !== 2) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, `a list of ${raw.length} items`)
  const [compact, second] = raw as [RawRef, RawRef]
  if (Array.isArray(compact)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'a path that is a list')
  const { path, leaf } = expandPath(compact, hash)
  if (!leaf) return { kind: 'extension', path, child: decodeRef(second, hash) }
  if (Array.isArray(second)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'a leaf value that is a list')
  return { kind: 'leaf', path, value: second }
}

/** Decodes the stored node whose hash is `hash`. */
export function decodeNode(encoded: Uint8Array, hash: Uint8Array): TrieNode {
  let raw
  try {
    raw = RLP.decode(encoded)
  } catch (error) {
    throw new TrieError('TRIE_ERROR_BAD_NODE', hash, `not RLP: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!Array.isArray(raw)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'not a list')
  return decodeRaw(raw, hash)
}

/** A node's encoding and hash, for storage under that hash. */
export interface TrieNodeWrite {
  readonly hash: Uint8Array
  readonly node: Uint8Array
}

/*
 * RLP, written straight into one array per node: the nested arrays `RLP.encode` takes, and the
 * array it makes for every item and joins, were a third of what a block's trie update allocated.
 * A list item is a byte string, or a node smaller than a hash embedded as its own encoding.
 */
const STRING_OFFSET = 0x80
const LIST_OFFSET = 0xc0
const SHORT_LENGTH_MAX = 55

type RlpItem = Uint8Array | { readonly embedded: Uint8Array }

/** Bytes of the big-endian form of `length` (a length over 55 is written so). */
function lengthBytes(length: number): number {
  let bytes = 0
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes++
  return bytes
}

function headerBytes(length: number): number {
  return length <= SHORT_LENGTH_MAX ? 1 : 1 + lengthBytes(length)
}

function writeHeader(out: Uint8Array, at: number, length: number, offset: number): number {
  if (length <= SHORT_LENGTH_MAX) {
    out[at] = offset + length
    return at + 1
  }
  const bytes = lengthBytes(length)
  out[at] = offset + SHORT_LENGTH_MAX + bytes
  for (let i = bytes, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) out[at + i] = rest % 256
  return at + 1 + bytes
}

/** A single byte below 0x80 is its own encoding. */
const isBareByte = (bytes: Uint8Array): boolean => bytes.length === 1 && bytes[0]! < STRING_OFFSET

function itemBytes(item: RlpItem): number {
  if (!(item instanceof Uint8Array)) return item.embedded.length
  return isBareByte(item) ? 1 : headerBytes(item.length) + item.length
}

function writeItem(out: Uint8Array, at: number, item: RlpItem): number {
  if (!(item instanceof Uint8Array)) {
    out.set(item.embedded, at)
    return at + item.embedded.length
  }
  const start = isBareByte(item) ? at : writeHeader(out, at, item.length, STRING_OFFSET)
  out.set(item, start)
  return start + item.length
}

function encodeList(items: readonly RlpItem[]): Uint8Array {
  let payload = 0
  for (const item of items) payload += itemBytes(item)
  const out = new Uint8Array(headerBytes(payload) + payload)
  let at = writeHeader(out, 0, payload, LIST_OFFSET)
  for (const item of items) at = writeItem(out, at, item)
  return out
}

function encodeNode(node: TrieNode, writes: TrieNodeWrite[]): Uint8Array {
  switch (node.kind) {
    case 'leaf':
      return encodeList([compactPath(node.path, true), node.value])
    case 'extension':
      return encodeList([compactPath(node.path, false), refItem(node.child, writes)])
    case 'branch': {
      const items: RlpItem[] = node.children.map((child) => refItem(child, writes))
      items.push(node.value)
      return encodeList(items)
    }
  }
}

/** A child as its parent holds it: a node of 32 bytes or more by hash (and stored), a smaller one inline. */
function refItem(ref: NodeRef, writes: TrieNodeWrite[]): RlpItem {
  if (ref === null) return EMPTY
  if (ref instanceof Uint8Array) return ref
  const encoded = encodeNode(ref, writes)
  if (encoded.length < HASH_BYTES) return { embedded: encoded }
  const hash = sha256(encoded)
  writes.push({ hash, node: encoded })
  return hash
}

/**
 * Encodes every node in memory below `root` once, bottom up, appending each node to be stored
 * to `writes`, and returns the root hash. Subtrees still referenced by hash are unchanged and
 * neither read nor hashed again. The root is stored whatever its size, so it can be read by hash.
 */
export function commitNodes(root: TrieNode | null, writes: TrieNodeWrite[]): Uint8Array {
  if (root === null) return EMPTY_TRIE_ROOT
  const encoded = encodeNode(root, writes)
  const hash = sha256(encoded)
  writes.push({ hash, node: encoded })
  return hash
}

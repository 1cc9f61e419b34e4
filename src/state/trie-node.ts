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

const EMPTY = new Uint8Array(0)
const LEAF_FLAG = 2
const ODD_FLAG = 1

/*
 * RLP, read and written in place: a node is encoded straight into one array, and read as views
 * of its stored bytes. `@ethereumjs/rlp`'s nested arrays, and the array it made for every item
 * and then joined, were most of the garbage of a block's trie update. A list item is a byte
 * string, or a node smaller than a hash embedded as its own encoding.
 */
const STRING_OFFSET = 0x80
const LIST_OFFSET = 0xc0
const SHORT_LENGTH_MAX = 55

type RlpItem = Uint8Array | { readonly embedded: Uint8Array }

/** Root of the trie with no keys: the hash of the encoding of the empty string. */
export const EMPTY_TRIE_ROOT = sha256(Uint8Array.of(STRING_OFFSET))

export function bytesToNibbles(bytes: Uint8Array): Nibbles {
  const nibbles = new Uint8Array(bytes.length * 2)
  for (let i = 0; i < bytes.length; i++) {
    nibbles[2 * i] = bytes[i]! >> 4
    nibbles[2 * i + 1] = bytes[i]! & 0x0f
  }
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

/** Where one RLP item's content lies in the bytes, and whether it is a list. */
interface RlpSpan {
  readonly list: boolean
  readonly start: number
  readonly end: number
}

/** The item at `at`, which must end by `limit`; only the shortest of RLP's forms is accepted. */
function readSpan(bytes: Uint8Array, at: number, limit: number, hash: Uint8Array): RlpSpan {
  const bad = (detail: string): TrieError => new TrieError('TRIE_ERROR_BAD_NODE', hash, `not RLP: ${detail}`)
  if (at >= limit) throw bad('an item past the end')
  const first = bytes[at]!
  if (first < STRING_OFFSET) return { list: false, start: at, end: at + 1 }
  const list = first >= LIST_OFFSET
  const short = first - (list ? LIST_OFFSET : STRING_OFFSET)
  let start = at + 1
  let length = short
  if (short > SHORT_LENGTH_MAX) {
    const bytesOfLength = short - SHORT_LENGTH_MAX
    start += bytesOfLength
    if (start > limit || bytes[at + 1] === 0) throw bad('a length cut short or with leading zeros')
    length = 0
    for (let i = at + 1; i < start; i++) length = length * 256 + bytes[i]!
    if (length <= SHORT_LENGTH_MAX) throw bad('a short length in the long form')
  } else if (!list && length === 1 && bytes[start]! < STRING_OFFSET) {
    throw bad('a single byte below 0x80 with a length')
  }
  if (start + length > limit) throw bad('an item longer than what holds it')
  return { list, start, end: start + length }
}

/**
 * The items of the RLP list `bytes[span]`, read in place: a string is a view of its content, a
 * list (a node embedded in its parent) its whole encoding. `RLP.decode` built nested arrays of
 * copies, most of a block's trie reads' garbage.
 */
function listItems(bytes: Uint8Array, span: RlpSpan, hash: Uint8Array): RlpItem[] {
  if (!span.list) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'not a list')
  const items: RlpItem[] = []
  for (let at = span.start; at < span.end; ) {
    const item = readSpan(bytes, at, span.end, hash)
    // An empty string (most of a sparse branch's children) shares one array: no view to make.
    if (item.list) items.push({ embedded: bytes.subarray(at, item.end) })
    else items.push(item.start === item.end ? EMPTY : bytes.subarray(item.start, item.end))
    at = item.end
  }
  return items
}

function decodeRef(item: RlpItem, hash: Uint8Array): NodeRef {
  if (!(item instanceof Uint8Array)) return decodeNode(item.embedded, hash)
  if (item.length === 0) return null
  if (item.length !== HASH_BYTES) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, `a child reference of ${item.length} bytes`)
  return item
}

/**
 * Decodes the stored node whose hash is `hash` (or a node embedded in it). Its arrays are views
 * of `encoded`, not copies: a node read is a node about to be replaced, or kept in the cache
 * with the encoding it came from.
 */
export function decodeNode(encoded: Uint8Array, hash: Uint8Array): TrieNode {
  const span = readSpan(encoded, 0, encoded.length, hash)
  if (span.end !== encoded.length) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'not RLP: bytes after the node')
  const items = listItems(encoded, span, hash)
  if (items.length === 17) {
    const value = items.pop()!
    if (!(value instanceof Uint8Array)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'a branch value that is a list')
    return { kind: 'branch', children: items.map((child) => decodeRef(child, hash)), value }
  }
  if (items.length !== 2) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, `a list of ${items.length} items`)
  const [compact, second] = items as [RlpItem, RlpItem]
  if (!(compact instanceof Uint8Array)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'a path that is a list')
  const { path, leaf } = expandPath(compact, hash)
  if (!leaf) return { kind: 'extension', path, child: decodeRef(second, hash) }
  if (!(second instanceof Uint8Array)) throw new TrieError('TRIE_ERROR_BAD_NODE', hash, 'a leaf value that is a list')
  return { kind: 'leaf', path, value: second }
}

/** A node's encoding and hash, for storage under that hash. */
export interface TrieNodeWrite {
  readonly hash: Uint8Array
  readonly node: Uint8Array
}

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

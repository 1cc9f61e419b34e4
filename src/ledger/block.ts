/**
 * Blocks: a header that commits to everything, and a body of transactions.
 *
 * Header encoding (CBOR array, see docs/data-formats.md):
 *   [version, height, parentHash, timestamp, txRoot, stateRoot, receiptsRoot, gasUsed,
 *    producer, difficulty, (extra,) seal]
 * The block hash is SHA-256 of the encoded header. The consensus fields come last, and the
 * seal (for proof-of-work, the 8-byte nonce) is the very last, so a miner can encode a
 * header once and rewrite only its final 8 bytes for each attempt. `extra` (consensus data:
 * proof-of-authority's votes and checkpoint signer lists) is written only when it is not
 * empty, so headers without it (every proof-of-work header) encode and hash as they always
 * did; a 12-field header with an empty `extra` is refused as non-canonical.
 *
 * Block encoding: [header, [tx bytes, ...]]: each transaction as its own encoded byte string,
 * so its hash is the hash of bytes already at hand.
 */
import { ChainError } from '../errors.js'
import { decode, encode, EncodingError, type CborValue } from '../encoding/cbor.js'
import { readArray, readBigUint, readBytes, readList, readUint } from '../encoding/shape.js'
import { HASH_BYTES, sha256 } from '../crypto/hash.js'
import { ADDRESS_BYTES } from '../crypto/identity.js'
import { MAX_BLOCK_BYTES_CEILING, MAX_BLOCK_TXS, MAX_GAS, MAX_HEADER_BYTES } from './constants.js'
import { merkleRoot } from './merkle.js'
import {
  readTransaction,
  encodeTransaction,
  transactionHash,
  TxError,
  checkTransaction,
  type Transaction,
} from './transaction.js'
import { bytesEqual, bytesKey, toHex } from '../encoding/bytes.js'

/** The header layout this code writes and reads; a new layout gets a new number. */
export const BLOCK_VERSION = 1
/** Longest seal of any consensus (a proof-of-authority signature is 64 bytes). */
export const MAX_SEAL_BYTES = 64

export interface BlockHeader {
  readonly version: number
  readonly height: number
  readonly parentHash: Uint8Array
  /** Milliseconds since the Unix epoch, as the producer's clock said. */
  readonly timestamp: number
  readonly txRoot: Uint8Array
  /** Merkle Patricia Trie root of the state after this block's transactions. */
  readonly stateRoot: Uint8Array
  readonly receiptsRoot: Uint8Array
  readonly gasUsed: number
  /** Participant id (20 bytes) of whoever made the block. */
  readonly producer: Uint8Array
  /** Consensus field: for proof-of-work, the expected number of hashes to find the seal. */
  readonly difficulty: bigint
  /**
   * Consensus field: data the consensus reads from the header (proof-of-authority: a vote, or
   * a checkpoint's signer list). Absent and empty are the same header.
   */
  readonly extra?: Uint8Array
  /** Consensus field: for proof-of-work, the 8-byte nonce that makes the hash meet the target. */
  readonly seal: Uint8Array
}

export interface Block {
  readonly header: BlockHeader
  readonly transactions: readonly Transaction[]
}

/** The rules a genesis file sets for every block of its network. */
export interface ChainParams {
  readonly maxBlockBytes: number
  readonly blockGasLimit: number
  readonly targetBlockTimeMs: number
}

export type BlockErrorCode =
  | 'BLOCK_ERROR_MALFORMED' // not a canonical encoding of a block or header
  | 'BLOCK_ERROR_TOO_LARGE' // over the network's maxBlockBytes (a lone header: over MAX_HEADER_BYTES)
  | 'BLOCK_ERROR_BAD_VERSION' // a header version this code does not know
  | 'BLOCK_ERROR_TOO_MANY_TXS' // over MAX_BLOCK_TXS
  | 'BLOCK_ERROR_BAD_TX' // a transaction fails its stateless checks (data.index, data.txCode)
  | 'BLOCK_ERROR_DUPLICATE_TX' // the same transaction twice
  | 'BLOCK_ERROR_BAD_TX_ROOT' // txRoot does not match the transactions
  | 'BLOCK_ERROR_GAS_ABOVE_LIMIT' // gasUsed over the network's block gas limit

export class BlockError extends ChainError<BlockErrorCode, { detail: string; index?: number; txCode?: string }> {
  constructor(code: BlockErrorCode, detail: string, extra: { index?: number; txCode?: string } = {}) {
    super(code, { detail, ...extra }, `invalid block: ${detail}`)
  }
}

function headerFields(header: BlockHeader): CborValue[] {
  return [
    header.version,
    header.height,
    header.parentHash,
    header.timestamp,
    header.txRoot,
    header.stateRoot,
    header.receiptsRoot,
    header.gasUsed,
    header.producer,
    header.difficulty,
    ...(header.extra === undefined || header.extra.length === 0 ? [] : [header.extra]),
    header.seal,
  ]
}

export function encodeHeader(header: BlockHeader): Uint8Array {
  return encode(headerFields(header))
}

export function blockHash(header: BlockHeader): Uint8Array {
  return sha256(encodeHeader(header))
}

/** Fields of a header without `extra`; with it, one more. */
const HEADER_FIELDS = 11

function readHeader(value: unknown): BlockHeader {
  const withExtra = Array.isArray(value) && value.length === HEADER_FIELDS + 1
  const fields = readArray(value, 'header', withExtra ? HEADER_FIELDS + 1 : HEADER_FIELDS)
  const [version, height, parentHash, timestamp, txRoot, stateRoot, receiptsRoot, gasUsed, producer, difficulty] = fields
  const seal = fields[fields.length - 1]
  const extra = withExtra ? readBytes(fields[HEADER_FIELDS - 1], 'extra') : undefined
  if (extra?.length === 0) throw new BlockError('BLOCK_ERROR_MALFORMED', 'an empty extra is written by leaving it out')
  const header: BlockHeader = {
    version: readUint(version, 'version', 255),
    height: readUint(height, 'height'),
    parentHash: readBytes(parentHash, 'parentHash', HASH_BYTES),
    timestamp: readUint(timestamp, 'timestamp'),
    txRoot: readBytes(txRoot, 'txRoot', HASH_BYTES),
    stateRoot: readBytes(stateRoot, 'stateRoot', HASH_BYTES),
    receiptsRoot: readBytes(receiptsRoot, 'receiptsRoot', HASH_BYTES),
    gasUsed: readUint(gasUsed, 'gasUsed', MAX_GAS),
    producer: readBytes(producer, 'producer', ADDRESS_BYTES),
    difficulty: readBigUint(difficulty, 'difficulty'),
    ...(extra === undefined ? {} : { extra }),
    seal: readBytes(seal, 'seal'),
  }
  if (header.version !== BLOCK_VERSION) {
    throw new BlockError('BLOCK_ERROR_BAD_VERSION', `header version ${header.version}, expected ${BLOCK_VERSION}`)
  }
  if (header.seal.length > MAX_SEAL_BYTES) throw new BlockError('BLOCK_ERROR_MALFORMED', `seal of ${header.seal.length} bytes`)
  return header
}

function malformed<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof EncodingError) throw new BlockError('BLOCK_ERROR_MALFORMED', error.message)
    throw error
  }
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length > MAX_HEADER_BYTES) {
    throw new BlockError('BLOCK_ERROR_TOO_LARGE', `header of ${bytes.length} bytes, limit ${MAX_HEADER_BYTES}`)
  }
  return malformed(() => readHeader(decode(bytes, 'block header', MAX_HEADER_BYTES)))
}

export function encodeBlock(block: Block): Uint8Array {
  return encode([headerFields(block.header), block.transactions.map(encodeTransaction)])
}

/** Each decoded block's length in bytes: decoding is strict, so its encoding is those bytes. */
const decodedSizes = new WeakMap<Block, number>()

/** The length of the block's encoding: known when the block was decoded, else found by encoding it. */
export function encodedBlockSize(block: Block): number {
  return decodedSizes.get(block) ?? encodeBlock(block).length
}

/**
 * Decodes a block strictly. Transactions are decoded too, but their signatures are not
 * checked here (see `validateBlockBody`).
 */
export function decodeBlock(bytes: Uint8Array, maxBlockBytes = MAX_BLOCK_BYTES_CEILING): Block {
  if (bytes.length > maxBlockBytes) {
    throw new BlockError('BLOCK_ERROR_TOO_LARGE', `${bytes.length} bytes, limit ${maxBlockBytes}`)
  }
  return malformed(() => {
    const [header, txs] = readArray(decode(bytes, 'block', maxBlockBytes), 'block', 2)
    const txList = readList(txs, 'transactions', MAX_BLOCK_TXS)
    const transactions = txList.map((tx, index) => {
      try {
        return readTransaction(tx)
      } catch (error) {
        if (error instanceof TxError) throw new BlockError('BLOCK_ERROR_BAD_TX', error.message, { index, txCode: error.code })
        throw error
      }
    })
    const block = { header: readHeader(header), transactions }
    decodedSizes.set(block, bytes.length)
    return block
  })
}

export function transactionHashes(transactions: readonly Transaction[]): Uint8Array[] {
  return transactions.map(transactionHash)
}

export function transactionsRoot(transactions: readonly Transaction[]): Uint8Array {
  return merkleRoot(transactionHashes(transactions))
}

/**
 * Every check of a block that needs neither its parent nor any state, but its signatures:
 * size, transaction count, the transactions root, no transaction twice, each transaction's
 * own checks, and gas used within the network's limit. Throws `BlockError`. Answers the
 * transactions' hashes, which the caller needs next: the signatures are checked apart, in the
 * node's verify pool (src/chain/tx-verifier.ts); `badTransaction` is the block's error for either.
 */
export function validateBlockBody(block: Block, params: ChainParams): Uint8Array[] {
  const size = encodedBlockSize(block)
  if (size > params.maxBlockBytes) throw new BlockError('BLOCK_ERROR_TOO_LARGE', `${size} bytes, limit ${params.maxBlockBytes}`)
  if (block.transactions.length > MAX_BLOCK_TXS) {
    throw new BlockError('BLOCK_ERROR_TOO_MANY_TXS', `${block.transactions.length} transactions, limit ${MAX_BLOCK_TXS}`)
  }
  if (block.header.gasUsed > params.blockGasLimit) {
    throw new BlockError('BLOCK_ERROR_GAS_ABOVE_LIMIT', `gas used ${block.header.gasUsed} above ${params.blockGasLimit}`)
  }
  const hashes = transactionHashes(block.transactions)
  const root = merkleRoot(hashes)
  if (!bytesEqual(root, block.header.txRoot)) throw new BlockError('BLOCK_ERROR_BAD_TX_ROOT', 'txRoot does not match the transactions')
  const seen = new Set<string>()
  block.transactions.forEach((tx, index) => {
    const hash = bytesKey(hashes[index]!)
    if (seen.has(hash)) throw new BlockError('BLOCK_ERROR_DUPLICATE_TX', `transaction ${toHex(hashes[index]!)} appears twice`, { index })
    seen.add(hash)
    try {
      checkTransaction(tx, params.blockGasLimit)
    } catch (error) {
      throw error instanceof TxError ? badTransaction(index, error) : error
    }
  })
  return hashes
}

/** The block's error for its transaction `index` that failed `error`. */
export function badTransaction(index: number, error: TxError): BlockError {
  return new BlockError('BLOCK_ERROR_BAD_TX', `transaction ${index}: ${error.message}`, { index, txCode: error.code })
}

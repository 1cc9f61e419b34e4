/**
 * Blocks: header and body round trips; any mutation of a sealed block refused by decoding,
 * body validation and header validation together; each `BlockError` code with its payload.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ChainError } from '../../src/errors.js'
import { decode, encode } from '../../src/encoding/cbor.js'
import { toHex, utf8 } from '../../src/encoding/bytes.js'
import { sha256 } from '../../src/crypto/hash.js'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { participantIdOf } from '../../src/crypto/identity.js'
import {
  BLOCK_VERSION,
  blockHash,
  decodeBlock,
  decodeHeader,
  encodeBlock,
  encodedBlockSize,
  encodeHeader,
  transactionHashes,
  transactionsRoot,
  validateBlockBody,
  badTransaction,
  type Block,
  type BlockErrorCode,
  type BlockHeader,
} from '../../src/ledger/block.js'
import { MAX_BLOCK_BYTES_CEILING, MAX_BLOCK_TXS, MAX_GAS, MAX_HEADER_BYTES } from '../../src/ledger/constants.js'
import { EMPTY_MERKLE_ROOT, merkleRoot } from '../../src/ledger/merkle.js'
import { encodeTransaction, signTransaction, TxError, validateTransaction, type Transaction } from '../../src/ledger/transaction.js'
import { ProofOfWork, sealSync } from '../../src/consensus/pow.js'
import { cborValueArb, mutate, mutationArb, NETWORK_ID, PARAMS, sampleTransactions, signedArb, TEST_KEYS } from './fixtures.js'

function blockError(code: BlockErrorCode, detail: string, extra: { index?: number; txCode?: string } = {}): object {
  return { name: 'BlockError', code, data: { detail, ...extra } }
}

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  version: fc.constant(BLOCK_VERSION),
  height: fc.maxSafeNat(),
  parentHash: bytes32,
  timestamp: fc.maxSafeNat(),
  txRoot: bytes32,
  stateRoot: bytes32,
  receiptsRoot: bytes32,
  gasUsed: fc.integer({ min: 0, max: MAX_GAS }),
  producer: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  difficulty: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  seal: fc.uint8Array({ maxLength: 64 }),
}, { noNullPrototype: true })

/** Proof-of-work at 2^18: a header changed anywhere passes the work check with odds of 1 in 262,144. */
const pow = new ProofOfWork({ type: 'pow', initialDifficulty: 1n << 18n, minimumDifficulty: 1n << 10n }, PARAMS.targetBlockTimeMs)
const T0 = Date.UTC(2026, 0, 1)

const PARENT: BlockHeader = {
  version: BLOCK_VERSION,
  height: 41,
  parentHash: sha256(utf8('block 40')),
  timestamp: T0,
  txRoot: EMPTY_MERKLE_ROOT,
  stateRoot: sha256(utf8('state 41')),
  receiptsRoot: EMPTY_MERKLE_ROOT,
  gasUsed: 0,
  producer: participantIdOf(publicKeyOf(TEST_KEYS[1]!)),
  difficulty: 1n << 18n,
  seal: new Uint8Array(8),
}

function childOf(parent: BlockHeader, transactions: readonly Transaction[], changes: Partial<BlockHeader> = {}): Block {
  const timestamp = parent.timestamp + 400
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    height: parent.height + 1,
    parentHash: blockHash(parent),
    timestamp,
    txRoot: transactionsRoot(transactions),
    stateRoot: sha256(utf8('state 42')),
    receiptsRoot: sha256(utf8('receipts 42')),
    gasUsed: 123_456,
    producer: participantIdOf(publicKeyOf(TEST_KEYS[2]!)),
    difficulty: pow.difficultyAt(parent, timestamp),
    seal: new Uint8Array(8),
    ...changes,
  }
  return { header, transactions }
}

/** A sealed block of three transactions: fixed keys and nonce search from 0, so the same every run. */
const SEALED: Block = (() => {
  const block = childOf(PARENT, [...sampleTransactions(0), ...sampleTransactions(3, 5).slice(0, 1)])
  return { ...block, header: sealSync(block.header) }
})()

/** A header's fields as plain CBOR values, to build variants the encoder would never write. */
function decodeRawHeader(bytes: Uint8Array): unknown[] {
  return decode(bytes, 'block header', MAX_HEADER_BYTES) as unknown[]
}

/**
 * Everything a node checks of a block before executing it; throws what it throws. The node
 * checks the signatures in its verify pool (test/chain/tx-verifier.test.ts); here the same rule
 * on this thread, with the same error.
 */
function checkBlock(bytes: Uint8Array): void {
  const block = decodeBlock(bytes, PARAMS.maxBlockBytes)
  validateBlockBody(block, PARAMS)
  block.transactions.forEach((tx, index) => {
    try {
      validateTransaction(tx, NETWORK_ID, PARAMS.blockGasLimit)
    } catch (error) {
      throw error instanceof TxError ? badTransaction(index, error) : error
    }
  })
  pow.validateHeader(block.header, PARENT, SEALED.header.timestamp)
}

describe('blocks: round trips', () => {
  it('headers decode to what was encoded, and hash as SHA-256 of their encoding', () => {
    fc.assert(
      fc.property(headerArb, (header) => {
        const bytes = encodeHeader(header)
        assert.ok(bytes.length <= MAX_HEADER_BYTES, `${bytes.length} bytes`)
        assert.deepEqual(decodeHeader(bytes), header)
        assert.deepEqual(blockHash(header), sha256(bytes))
      }),
      { numRuns: 300 },
    )
  })

  it('blocks decode to what was encoded', () => {
    fc.assert(
      fc.property(headerArb, fc.array(signedArb, { maxLength: 4 }), (header, transactions) => {
        const block = { header, transactions }
        const bytes = encodeBlock(block)
        const decoded = decodeBlock(bytes)
        assert.deepEqual(decoded, block)
        assert.equal(toHex(encodeBlock(decoded)), toHex(bytes))
      }),
      { numRuns: 100 },
    )
  })

  it('commits to its transactions through the Merkle root of their hashes', () => {
    const txs = sampleTransactions()
    assert.deepEqual(transactionsRoot([]), EMPTY_MERKLE_ROOT)
    assert.deepEqual(transactionHashes(txs), txs.map((tx) => sha256(encodeTransaction(tx))))
    assert.deepEqual(transactionsRoot(txs), merkleRoot(txs.map((tx) => sha256(encodeTransaction(tx)))))
  })

  it('a sealed block passes every check', () => {
    checkBlock(encodeBlock(SEALED))
  })
})

describe('blocks: mutations of a sealed block are refused', () => {
  function assertRefused(bytes: Uint8Array): void {
    assert.throws(() => checkBlock(bytes), (error: unknown) => {
      const code: unknown = error instanceof ChainError ? error.code : undefined
      assert.ok(typeof code === 'string' && /^(BLOCK|CONSENSUS)_ERROR_/.test(code), `unexpected ${String(error)}`)
      return true
    })
  }

  it('every single-bit flip', () => {
    const bytes = encodeBlock(SEALED)
    for (let bit = 0; bit < bytes.length * 8; bit++) assertRefused(mutate(bytes, { type: 'flip', at: bit >> 3, bit: bit & 7 })!)
  })

  it('random flips, overwrites, insertions, deletions and truncations', () => {
    const original = encodeBlock(SEALED)
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (mutations) => {
        let bytes: Uint8Array | undefined = original
        for (const m of mutations) bytes = bytes && bytes.length > 0 ? mutate(bytes, m) : bytes
        fc.pre(bytes !== undefined && toHex(bytes) !== toHex(original))
        assertRefused(bytes)
      }),
      { numRuns: 1_000, seed: 20260101 },
    )
  })
})

describe('blocks: rejects malformed input', () => {
  it('random bytes and random CBOR structures give BlockError and nothing else', () => {
    const candidates = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      cborValueArb.map((value) => encode(value)),
      fc.tuple(fc.array(cborValueArb, { minLength: 11, maxLength: 11 }), fc.array(cborValueArb, { maxLength: 3 })).map((b) => encode(b)),
    )
    fc.assert(
      fc.property(candidates, (bytes) => {
        for (const decoder of [decodeBlock, decodeHeader]) {
          assert.throws(() => decoder(bytes), (error) => error instanceof ChainError && error.name === 'BlockError')
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('names what is wrong in a header', () => {
    const encodeWith = (changes: Record<number, unknown>): Uint8Array => {
      const fields = decodeRawHeader(encodeHeader(SEALED.header))
      for (const [index, value] of Object.entries(changes)) fields[Number(index)] = value
      return encode(fields as never)
    }
    assert.throws(() => decodeHeader(encodeWith({ 0: 2 })), blockError('BLOCK_ERROR_BAD_VERSION', 'header version 2, expected 1'))
    assert.throws(() => decodeHeader(encodeWith({ 10: new Uint8Array(65) })), blockError('BLOCK_ERROR_MALFORMED', 'seal of 65 bytes'))
    assert.throws(() => decodeHeader(encodeWith({ 2: new Uint8Array(31) })), blockError('BLOCK_ERROR_MALFORMED', 'parentHash: expected 32 bytes, got 31 bytes'))
    assert.throws(() => decodeHeader(encodeWith({ 9: -1 })), blockError('BLOCK_ERROR_MALFORMED', 'difficulty: expected an unsigned 64-bit integer, got number -1'))
    assert.throws(() => decodeHeader(encodeWith({ 7: MAX_GAS + 1 })), blockError('BLOCK_ERROR_MALFORMED', `gasUsed: expected an integer from 0 to ${MAX_GAS}, got number ${MAX_GAS + 1}`))
    assert.throws(() => decodeHeader(encode([1, 2, 3])), blockError('BLOCK_ERROR_MALFORMED', 'header: expected an array of 11, got an array of 3'))
    assert.throws(() => decodeHeader(Uint8Array.of(0x1b)), blockError('BLOCK_ERROR_MALFORMED', 'block header: not enough data for type'))
  })

  it('refuses an oversized header or block before decoding it', () => {
    const garbage = new Uint8Array(MAX_HEADER_BYTES + 1).fill(0xff)
    assert.throws(() => decodeHeader(garbage), blockError('BLOCK_ERROR_TOO_LARGE', `header of ${MAX_HEADER_BYTES + 1} bytes, limit ${MAX_HEADER_BYTES}`))
    assert.throws(() => decodeBlock(new Uint8Array(1001).fill(0xff), 1000), blockError('BLOCK_ERROR_TOO_LARGE', '1001 bytes, limit 1000'))
  })

  it('names the transaction that does not decode, with its TxError code', () => {
    const txs = SEALED.transactions.map(encodeTransaction)
    const headerFields = decodeRawHeader(encodeHeader(SEALED.header))
    const bad = encode([headerFields as never, [txs[0]!, txs[1]!.subarray(0, txs[1]!.length - 1)]])
    assert.throws(
      () => decodeBlock(bad),
      blockError('BLOCK_ERROR_BAD_TX', 'invalid transaction: transaction: not enough data for type', { index: 1, txCode: 'TX_ERROR_MALFORMED' }),
    )
    assert.throws(() => decodeBlock(encode([headerFields as never, [txs[0]!, 5]])), blockError('BLOCK_ERROR_MALFORMED', 'transaction: expected bytes, got number 5'))
    const tooMany = encode([headerFields as never, new Array<number>(MAX_BLOCK_TXS + 1).fill(0)])
    assert.throws(() => decodeBlock(tooMany), blockError('BLOCK_ERROR_MALFORMED', `transactions: expected an array of at most ${MAX_BLOCK_TXS}, got an array of ${MAX_BLOCK_TXS + 1}`))
  })
})

describe('blocks: body validation', () => {
  const [a, b, c] = sampleTransactions() as [Transaction, Transaction, Transaction]

  it('refuses a block over the network’s size limit', () => {
    const block = childOf(PARENT, [a, b, c])
    const size = encodeBlock(block).length
    assert.throws(() => validateBlockBody(block, { ...PARAMS, maxBlockBytes: size - 1 }), blockError('BLOCK_ERROR_TOO_LARGE', `${size} bytes, limit ${size - 1}`))
    validateBlockBody(block, { ...PARAMS, maxBlockBytes: size })
  })

  it('knows a decoded block’s size from its bytes, and refuses it over the limit the same way', () => {
    const bytes = encodeBlock(childOf(PARENT, [a, b, c]))
    const decoded = decodeBlock(bytes)
    assert.equal(encodedBlockSize(decoded), bytes.length)
    assert.throws(() => validateBlockBody(decoded, { ...PARAMS, maxBlockBytes: bytes.length - 1 }), blockError('BLOCK_ERROR_TOO_LARGE', `${bytes.length} bytes, limit ${bytes.length - 1}`))
    validateBlockBody(decoded, { ...PARAMS, maxBlockBytes: bytes.length })
  })

  it('refuses more than MAX_BLOCK_TXS transactions', () => {
    const block = childOf(PARENT, new Array<Transaction>(MAX_BLOCK_TXS + 1).fill(a))
    assert.throws(
      () => validateBlockBody(block, { ...PARAMS, maxBlockBytes: MAX_BLOCK_BYTES_CEILING }),
      blockError('BLOCK_ERROR_TOO_MANY_TXS', `${MAX_BLOCK_TXS + 1} transactions, limit ${MAX_BLOCK_TXS}`),
    )
  })

  it('refuses gas used above the block gas limit, and accepts it at the limit', () => {
    const limit = PARAMS.blockGasLimit
    assert.throws(() => validateBlockBody(childOf(PARENT, [a], { gasUsed: limit + 1 }), PARAMS), blockError('BLOCK_ERROR_GAS_ABOVE_LIMIT', `gas used ${limit + 1} above ${limit}`))
    validateBlockBody(childOf(PARENT, [a], { gasUsed: limit }), PARAMS)
  })

  it('refuses a transactions root that does not match, including reordered transactions', () => {
    const detail = 'txRoot does not match the transactions'
    assert.throws(() => validateBlockBody(childOf(PARENT, [a, b], { txRoot: EMPTY_MERKLE_ROOT }), PARAMS), blockError('BLOCK_ERROR_BAD_TX_ROOT', detail))
    const reordered = { ...childOf(PARENT, [a, b]), transactions: [b, a] }
    assert.throws(() => validateBlockBody(reordered, PARAMS), blockError('BLOCK_ERROR_BAD_TX_ROOT', detail))
    const dropped = { ...childOf(PARENT, [a, b]), transactions: [a] }
    assert.throws(() => validateBlockBody(dropped, PARAMS), blockError('BLOCK_ERROR_BAD_TX_ROOT', detail))
  })

  it('refuses the same transaction twice, naming its hash and second position', () => {
    const hash = toHex(sha256(encodeTransaction(a)))
    assert.throws(
      () => validateBlockBody(childOf(PARENT, [a, b, a]), PARAMS),
      blockError('BLOCK_ERROR_DUPLICATE_TX', `transaction ${hash} appears twice`, { index: 2 }),
    )
  })

  it('refuses a transaction that fails its own checks, naming it and its TxError code (signatures: test/chain/tx-verifier.test.ts)', () => {
    const forged = { ...b, signature: a.signature }
    assert.deepEqual(validateBlockBody(childOf(PARENT, [a, forged]), PARAMS), [a, forged].map((tx) => sha256(encodeTransaction(tx))))
    const greedy = signTransaction({ ...c, gasLimit: PARAMS.blockGasLimit + 1 }, TEST_KEYS[0]!, NETWORK_ID)
    assert.throws(
      () => validateBlockBody(childOf(PARENT, [greedy]), PARAMS),
      blockError('BLOCK_ERROR_BAD_TX', `transaction 0: invalid transaction: gas limit ${PARAMS.blockGasLimit + 1} above the block gas limit ${PARAMS.blockGasLimit}`, {
        index: 0,
        txCode: 'TX_ERROR_GAS_LIMIT_TOO_HIGH',
      }),
    )
  })

  it('accepts an empty block', () => {
    validateBlockBody(childOf(PARENT, []), PARAMS)
  })
})

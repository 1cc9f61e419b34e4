/**
 * Transactions: sign, verify, encode and decode round trips of the three kinds; every
 * mutation of a signed transaction refused; every `TxError` code with its exact payload.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { decode, encode, type CborValue } from '../../src/encoding/cbor.js'
import { concatBytes, toHex } from '../../src/encoding/bytes.js'
import { publicKeyOf, verify } from '../../src/crypto/ed25519.js'
import { participantIdOf } from '../../src/crypto/identity.js'
import { MAX_ARGS_BYTES, MAX_CODE_BYTES, MAX_GAS, MAX_TX_BYTES } from '../../src/ledger/constants.js'
import {
  decodeTransaction,
  encodeTransaction,
  intrinsicGas,
  readTransaction,
  senderOf,
  signingHash,
  signTransaction,
  transactionHash,
  TxError,
  validateTransaction,
  type Transaction,
  type TxErrorCode,
  type UnsignedTransaction,
} from '../../src/ledger/transaction.js'
import {
  cborValueArb,
  mutate,
  mutationArb,
  NETWORK_ID,
  OTHER_NETWORK_ID,
  PARAMS,
  sampleTransactions,
  signedArb,
  TEST_KEYS,
  unsignedArb,
} from './fixtures.js'

const LIMIT = PARAMS.blockGasLimit
const KEY = TEST_KEYS[0]!

function txError(code: TxErrorCode, detail: string): { name: string; code: TxErrorCode; data: { detail: string } } {
  return { name: 'TxError', code, data: { detail } }
}

type WithoutKey<T> = T extends unknown ? Omit<T, 'publicKey'> : never

function signed(tx: WithoutKey<UnsignedTransaction>, networkId = NETWORK_ID): Transaction {
  return signTransaction({ ...tx, publicKey: publicKeyOf(KEY) }, KEY, networkId)
}

/** A transaction's fields as encoded, for building variants the encoder would never write. */
function fields(tx: Transaction): CborValue[] {
  return decode(encodeTransaction(tx), 'transaction', MAX_TX_BYTES) as CborValue[]
}

describe('transactions: round trips', () => {
  it('sign → verify → encode → decode gives back the same transaction, for all three kinds', () => {
    fc.assert(
      fc.property(signedArb, (tx) => {
        assert.doesNotThrow(() => validateTransaction(tx, NETWORK_ID, LIMIT))
        const bytes = encodeTransaction(tx)
        const decoded = decodeTransaction(bytes)
        assert.deepEqual(decoded, tx)
        assert.deepEqual(encodeTransaction(decoded), bytes)
        assert.equal(toHex(transactionHash(decoded)), createHash('sha256').update(bytes).digest('hex'))
        validateTransaction(decoded, NETWORK_ID, LIMIT)
        assert.deepEqual(senderOf(decoded), participantIdOf(decoded.publicKey))
      }),
      { numRuns: 300 },
    )
  })

  it('a transaction keeps its encoding in a buffer of its own, not the buffer it was encoded in or decoded from', () => {
    const tx = signed({ kind: 'contract-call', contract: new Uint8Array(20), method: 'get', args: '[]', nonce: 0, gasLimit: 50_000 })
    const bytes = encodeTransaction(tx)
    assert.equal(bytes.buffer.byteLength, bytes.length)
    // Received inside a larger Buffer (a block read from LevelDB, a message): Buffer's `slice` is a view.
    const message = Buffer.alloc(64 * 1024)
    message.set(bytes, 100)
    const decoded = decodeTransaction(message.subarray(100, 100 + bytes.length))
    assert.deepEqual(encodeTransaction(decoded), bytes)
    assert.equal(encodeTransaction(decoded).buffer.byteLength, bytes.length)
  })

  it('a transaction read from a decoded document keeps the bytes its reader copied out, and copies a view', () => {
    const tx = signed({ kind: 'contract-call', contract: new Uint8Array(20), method: 'get', args: '[]', nonce: 0, gasLimit: 50_000 })
    const bytes = encodeTransaction(tx)
    const [item] = decode(encode([bytes]), 'message', 1024) as [Uint8Array]
    assert.notEqual(item, bytes)
    assert.equal(encodeTransaction(readTransaction(item)), item)
    // decodeTransaction never keeps its caller's bytes, which the caller may reuse.
    assert.notEqual(encodeTransaction(decodeTransaction(item)), item)
    const block = new Uint8Array(4096)
    block.set(bytes, 10)
    const view = block.subarray(10, 10 + bytes.length)
    const kept = encodeTransaction(readTransaction(view))
    assert.deepEqual(kept, bytes)
    assert.equal(kept.buffer.byteLength, bytes.length)
    assert.throws(() => readTransaction('not bytes'), { name: 'EncodingError' })
    assert.throws(() => readTransaction(bytes.subarray(1)), { name: 'TxError', code: 'TX_ERROR_MALFORMED' })
  })

  it('signs SHA-256("chain/tx\\0" ‖ network id ‖ encoding without the signature)', () => {
    for (const tx of sampleTransactions()) {
      const full = fields(tx)
      const independent = createHash('sha256').update('chain/tx\0').update(NETWORK_ID).update(encode(full.slice(0, 5))).digest()
      assert.equal(toHex(signingHash(tx, NETWORK_ID)), toHex(independent))
      // Signed, it is taken from the transaction's encoding; not, or oddly signed, encoded anew.
      const { signature, ...unsigned } = tx
      assert.equal(toHex(signingHash(unsigned, NETWORK_ID)), toHex(independent), 'unsigned')
      assert.equal(toHex(signingHash({ ...tx, signature: signature.subarray(0, 63) }, NETWORK_ID)), toHex(independent), 'a short signature')
      assert.equal(verify(tx.signature, independent, tx.publicKey), true)
      assert.equal(toHex(transactionHash(tx)), createHash('sha256').update(encodeTransaction(tx)).digest('hex'))
    }
  })

  it('encodes the largest allowed deploy within MAX_TX_BYTES, and it validates', () => {
    const args = `["${'a'.repeat(MAX_ARGS_BYTES - 4)}"]`
    const tx = signed({ kind: 'contract-deploy', code: 'x'.repeat(MAX_CODE_BYTES), args, nonce: Number.MAX_SAFE_INTEGER, gasLimit: LIMIT })
    const bytes = encodeTransaction(tx)
    assert.ok(bytes.length <= MAX_TX_BYTES, `${bytes.length} bytes`)
    validateTransaction(decodeTransaction(bytes), NETWORK_ID, LIMIT)
  })
})

describe('transactions: mutations are refused', () => {
  /** Decoding fails with a TxError, or what decodes is canonical and its signature fails. */
  function assertRefused(bytes: Uint8Array): void {
    let tx: Transaction
    try {
      tx = decodeTransaction(bytes)
    } catch (error) {
      assert.ok(error instanceof TxError, `unexpected ${String(error)}`)
      return
    }
    assert.equal(toHex(encodeTransaction(tx)), toHex(bytes))
    assert.equal(verify(tx.signature, signingHash(tx, NETWORK_ID), tx.publicKey), false)
    assert.throws(() => validateTransaction(tx, NETWORK_ID, LIMIT), TxError)
  }

  it('every single-bit flip of a signed transaction of each kind', () => {
    for (const tx of sampleTransactions()) {
      const bytes = encodeTransaction(tx)
      for (let bit = 0; bit < bytes.length * 8; bit++) assertRefused(mutate(bytes, { type: 'flip', at: bit >> 3, bit: bit & 7 })!)
    }
  })

  it('random flips, overwrites, insertions, deletions and truncations', () => {
    fc.assert(
      fc.property(signedArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (tx, mutations) => {
        let bytes: Uint8Array | undefined = encodeTransaction(tx)
        for (const m of mutations) bytes = bytes && bytes.length > 0 ? mutate(bytes, m) : bytes
        fc.pre(bytes !== undefined && toHex(bytes) !== toHex(encodeTransaction(tx)))
        assertRefused(bytes)
      }),
      { numRuns: 500 },
    )
  })

  it('a change to any signed field voids the signature', () => {
    const [participant, deploy, call] = sampleTransactions() as [Transaction, Transaction, Transaction]
    const otherKey = publicKeyOf(TEST_KEYS[1]!)
    const variants: Transaction[] = [
      { ...participant, nonce: participant.nonce + 1 },
      { ...participant, gasLimit: participant.gasLimit + 1 },
      { ...participant, publicKey: otherKey },
      { ...participant, name: 'Ada Lovelac' } as Transaction,
      { ...participant, name: null } as Transaction,
      { ...deploy, code: `${(deploy as { code: string }).code} ` } as Transaction,
      { ...deploy, args: '["bob"]' } as Transaction,
      { ...call, contract: new Uint8Array(20) } as Transaction,
      { ...call, method: 'transferFrom' } as Transaction,
    ]
    for (const tx of variants) assert.throws(() => validateTransaction(tx, NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_SIGNATURE', 'signature does not verify'))
  })

  it('a transaction signed for one network is void on another', () => {
    fc.assert(
      fc.property(signedArb, (tx) => {
        assert.throws(() => validateTransaction(tx, OTHER_NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_SIGNATURE', 'signature does not verify'))
      }),
      { numRuns: 50 },
    )
  })
})

describe('transactions: rejects malformed input', () => {
  it('random bytes and random CBOR structures give TxError and nothing else', () => {
    const candidates = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      cborValueArb.map((value) => encode(value)),
      fc.tuple(fc.nat(4), cborValueArb, cborValueArb, cborValueArb, cborValueArb, cborValueArb).map((f) => encode(f)),
    )
    fc.assert(
      fc.property(candidates, (bytes) => {
        try {
          decodeTransaction(bytes)
        } catch (error) {
          assert.ok(error instanceof TxError, `unexpected ${String(error)}`)
          assert.ok(['TX_ERROR_MALFORMED', 'TX_ERROR_UNKNOWN_KIND'].includes(error.code), error.code)
        }
      }),
      { numRuns: 3_000 },
    )
  })

  it('names the offending field of a well-formed but wrong transaction', () => {
    const [participant, deploy, call] = sampleTransactions().map(fields) as [CborValue[], CborValue[], CborValue[]]
    const withField = (base: CborValue[], index: number, value: CborValue): Uint8Array => {
      const copy = [...base]
      copy[index] = value
      return encode(copy)
    }
    /** A transaction of kind `code` (the new kinds) with `payload`. */
    const ofKind = (code: number, payload: CborValue): Uint8Array => encode([code, ...participant.slice(1, 4), payload, participant[5]!])
    const cases: [Uint8Array, TxErrorCode, string][] = [
      [encode(participant.slice(0, 5)), 'TX_ERROR_MALFORMED', 'transaction: expected an array of 6, got an array of 5'],
      [encode([...participant, null]), 'TX_ERROR_MALFORMED', 'transaction: expected an array of 6, got an array of 7'],
      [encode({ kind: 0 }), 'TX_ERROR_MALFORMED', 'transaction: expected an array of 6, got object'],
      [withField(participant, 0, 5), 'TX_ERROR_UNKNOWN_KIND', 'unknown kind 5'],
      [withField(participant, 0, 256), 'TX_ERROR_MALFORMED', 'kind: expected an integer from 0 to 255, got number 256'],
      [withField(participant, 0, 'participant'), 'TX_ERROR_MALFORMED', 'kind: expected an integer from 0 to 255, got string'],
      [withField(participant, 1, new Uint8Array(31)), 'TX_ERROR_MALFORMED', 'publicKey: expected 32 bytes, got 31 bytes'],
      [withField(participant, 2, -1), 'TX_ERROR_MALFORMED', 'nonce: expected an integer from 0 to 9007199254740991, got number -1'],
      [withField(participant, 2, 1.5), 'TX_ERROR_MALFORMED', 'nonce: expected an integer from 0 to 9007199254740991, got number 1.5'],
      [withField(participant, 2, 2n ** 53n), 'TX_ERROR_MALFORMED', 'nonce: expected an integer from 0 to 9007199254740991, got bigint 9007199254740992'],
      [withField(participant, 3, MAX_GAS + 1), 'TX_ERROR_MALFORMED', `gasLimit: expected an integer from 0 to ${MAX_GAS}, got number ${MAX_GAS + 1}`],
      [withField(participant, 4, ['a', 'b', 'c']), 'TX_ERROR_MALFORMED', 'participant payload: expected an array of at most 2, got an array of 3'],
      [withField(participant, 4, ['a', 'b']), 'TX_ERROR_MALFORMED', 'encryption key: expected an array of 2, got string'],
      [withField(participant, 4, ['a', [new Uint8Array(31), new Uint8Array(64)]]), 'TX_ERROR_MALFORMED', 'encryptionKey: expected 32 bytes, got 31 bytes'],
      [ofKind(3, [new Uint8Array(32), new Uint8Array(63)]), 'TX_ERROR_MALFORMED', 'binding: expected 64 bytes, got 63 bytes'],
      [ofKind(4, [[], new Uint8Array(16), null]), 'TX_ERROR_MALFORMED', 'record payload: expected an array of 2, got an array of 3'],
      [ofKind(4, [[[new Uint8Array(20)]], new Uint8Array(16)]), 'TX_ERROR_MALFORMED', 'recipient: expected an array of 4, got an array of 1'],
      [ofKind(4, [Array(17).fill([]), new Uint8Array(16)]), 'TX_ERROR_MALFORMED', 'recipients: expected an array of at most 16, got an array of 17'],
      [withField(participant, 4, ['x'.repeat(65)]), 'TX_ERROR_MALFORMED', 'name: expected text of at most 64 bytes, got string'],
      [withField(participant, 4, [new Uint8Array(1)]), 'TX_ERROR_MALFORMED', 'name: expected text of at most 64 bytes, got 1 bytes'],
      [withField(deploy, 4, ['x'.repeat(MAX_CODE_BYTES + 1), '[]']), 'TX_ERROR_MALFORMED', `code: expected text of at most ${MAX_CODE_BYTES} bytes, got string`],
      [withField(deploy, 4, ['', 'x'.repeat(MAX_ARGS_BYTES + 1)]), 'TX_ERROR_MALFORMED', `args: expected text of at most ${MAX_ARGS_BYTES} bytes, got string`],
      [withField(call, 4, [new Uint8Array(19), 'f', '[]']), 'TX_ERROR_MALFORMED', 'contract: expected 20 bytes, got 19 bytes'],
      [withField(call, 4, [new Uint8Array(20), 'm'.repeat(65), '[]']), 'TX_ERROR_MALFORMED', 'method: expected text of at most 64 bytes, got string'],
      [withField(call, 4, [new Uint8Array(20), 'f']), 'TX_ERROR_MALFORMED', 'call payload: expected an array of 3, got an array of 2'],
      [withField(participant, 5, new Uint8Array(63)), 'TX_ERROR_MALFORMED', 'signature: expected 64 bytes, got 63 bytes'],
    ]
    for (const [bytes, code, detail] of cases) assert.throws(() => decodeTransaction(bytes), txError(code, detail), detail)
  })

  it('refuses non-canonical encodings of a valid transaction', () => {
    const bytes = encodeTransaction(sampleTransactions()[0]!)
    const nonCanonical = 'transaction: not in canonical (deterministic) CBOR form'
    // The nonce 0 written as a float, then as a one-byte integer.
    const [kind, publicKey, nonce, gasLimit, payload, signature] = fields(sampleTransactions()[0]!)
    assert.equal(nonce, 0)
    const floatNonce = concatBytes(Uint8Array.of(0x86), encode(kind!), encode(publicKey!), Uint8Array.of(0xf9, 0, 0), encode(gasLimit!), encode(payload!), encode(signature!))
    assert.throws(() => decodeTransaction(floatNonce), txError('TX_ERROR_MALFORMED', nonCanonical))
    const longNonce = concatBytes(Uint8Array.of(0x86), encode(kind!), encode(publicKey!), Uint8Array.of(0x18, 0), encode(gasLimit!), encode(payload!), encode(signature!))
    assert.throws(() => decodeTransaction(longNonce), txError('TX_ERROR_MALFORMED', 'transaction: integer encoded in more bytes than necessary (strict decode)'))
    assert.throws(() => decodeTransaction(concatBytes(bytes, Uint8Array.of(0))), txError('TX_ERROR_MALFORMED', 'transaction: too many terminals, data makes no sense'))
    const indefinite = concatBytes(Uint8Array.of(0x9f), bytes.subarray(1), Uint8Array.of(0xff))
    assert.throws(() => decodeTransaction(indefinite), txError('TX_ERROR_MALFORMED', 'transaction: indefinite length items not allowed'))
  })

  it('refuses oversized input before decoding it', () => {
    const garbage = new Uint8Array(MAX_TX_BYTES + 1).fill(0xff)
    assert.throws(() => decodeTransaction(garbage), txError('TX_ERROR_TOO_LARGE', `${MAX_TX_BYTES + 1} bytes, limit ${MAX_TX_BYTES}`))
  })
})

describe('transactions: stateless validation', () => {
  const base = { nonce: 0, gasLimit: 100_000 }

  it('refuses method names that are not identifiers', () => {
    for (const method of ['', '1abc', 'a-b', 'a b', 'é', 'constructor()']) {
      const tx = signed({ ...base, kind: 'contract-call', contract: new Uint8Array(20), method, args: '[]' })
      assert.throws(() => validateTransaction(tx, NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_METHOD', `method ${JSON.stringify(method)}`))
    }
    validateTransaction(signed({ ...base, kind: 'contract-call', contract: new Uint8Array(20), method: '$_a9', args: '[]' }), NETWORK_ID, LIMIT)
  })

  it('refuses names with control or format characters or surrounding space', () => {
    for (const name of ['', ' ', ' ada', 'ada ', 'a\u0000b', 'a\nb', '\u202eevil', 'a\u200bb', 'ada\t']) {
      const tx = signed({ ...base, kind: 'participant', name })
      assert.throws(() => validateTransaction(tx, NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_NAME', 'name must be printable without leading or trailing space'), JSON.stringify(name))
    }
    for (const name of ['a', 'Ada Lovelace', 'Zoë', '李雷', '🦀 crab']) validateTransaction(signed({ ...base, kind: 'participant', name }), NETWORK_ID, LIMIT)
  })

  it('refuses arguments that are not a JSON array, for deploys and calls', () => {
    const cases: [string, string][] = [
      ['', 'args are not valid JSON'],
      ['[', 'args are not valid JSON'],
      ["['a']", 'args are not valid JSON'],
      ['{}', 'args must be a JSON array'],
      ['"[]"', 'args must be a JSON array'],
      ['null', 'args must be a JSON array'],
      ['1', 'args must be a JSON array'],
    ]
    for (const [args, detail] of cases) {
      const deploy = signed({ ...base, kind: 'contract-deploy', code: '', args })
      const call = signed({ ...base, kind: 'contract-call', contract: new Uint8Array(20), method: 'f', args })
      assert.throws(() => validateTransaction(deploy, NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_ARGS', detail))
      assert.throws(() => validateTransaction(call, NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_ARGS', detail))
    }
  })

  it('charges a base plus 4 gas per payload byte (UTF-8 bytes, address bytes)', () => {
    assert.equal(intrinsicGas({ kind: 'participant', name: null }), 1_000)
    assert.equal(intrinsicGas({ kind: 'participant', name: 'Zoë' }), 1_000 + 4 * 4)
    assert.equal(intrinsicGas({ kind: 'contract-deploy', code: 'x', args: '[]' }), 1_000 + 4 * 3)
    assert.equal(intrinsicGas({ kind: 'contract-call', contract: new Uint8Array(20), method: 'f', args: '[1]' }), 1_000 + 4 * (20 + 1 + 3))
  })

  it('accepts a gas limit of exactly the intrinsic gas and refuses one less', () => {
    fc.assert(
      fc.property(unsignedArb, ({ keyIndex, tx }) => {
        const minimum = intrinsicGas(tx)
        validateTransaction(signTransaction({ ...tx, gasLimit: minimum }, TEST_KEYS[keyIndex]!, NETWORK_ID), NETWORK_ID, LIMIT)
        const low = signTransaction({ ...tx, gasLimit: minimum - 1 }, TEST_KEYS[keyIndex]!, NETWORK_ID)
        assert.throws(() => validateTransaction(low, NETWORK_ID, LIMIT), txError('TX_ERROR_GAS_LIMIT_TOO_LOW', `gas limit ${minimum - 1} below ${minimum}`))
      }),
      { numRuns: 50 },
    )
  })

  it('accepts a gas limit of exactly the block gas limit and refuses one more', () => {
    validateTransaction(signed({ ...base, kind: 'participant', name: null, gasLimit: LIMIT }), NETWORK_ID, LIMIT)
    const high = signed({ ...base, kind: 'participant', name: null, gasLimit: LIMIT + 1 })
    assert.throws(() => validateTransaction(high, NETWORK_ID, LIMIT), txError('TX_ERROR_GAS_LIMIT_TOO_HIGH', `gas limit ${LIMIT + 1} above the block gas limit ${LIMIT}`))
  })

  it('checks the payload and gas before the signature (cheap checks first)', () => {
    const tx = { ...signed({ ...base, kind: 'participant', name: ' x' }), signature: new Uint8Array(64) }
    assert.throws(() => validateTransaction(tx, NETWORK_ID, LIMIT), txError('TX_ERROR_BAD_NAME', 'name must be printable without leading or trailing space'))
  })
})

describe('a transaction is encoded and hashed once', () => {
  it('gives the same bytes and id objects on every call, and a decoded one keeps the bytes it came from', () => {
    const [tx] = sampleTransactions() as [Transaction]
    const bytes = encodeTransaction(tx)
    assert.equal(encodeTransaction(tx), bytes, 'the encoding is made once')
    assert.equal(transactionHash(tx), transactionHash(tx), 'the id is computed once')
    const received = Uint8Array.from(bytes)
    const decoded = decodeTransaction(received)
    const kept = encodeTransaction(decoded)
    assert.deepEqual(kept, received)
    received.fill(0)
    assert.deepEqual(encodeTransaction(decoded), bytes, 'a copy: the caller may reuse its buffer')
    assert.equal(encodeTransaction(decoded), kept)
  })
})

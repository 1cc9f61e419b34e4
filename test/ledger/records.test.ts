/**
 * Encryption keys and encrypted records on the ledger: the two new transaction kinds (encoding,
 * strict decoding, every bit flip refused, the binding checked), and sealing and opening records
 * (recipients read, nobody else; tampering, wrong keys and truncation refused with typed errors).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { generateKeyPair, type HpkeKeyPair } from '../../src/crypto/hpke.js'
import { participantIdOf } from '../../src/crypto/identity.js'
import { bytesEqual, compareBytes, toHex, utf8 } from '../../src/encoding/bytes.js'
import { encode } from '../../src/encoding/cbor.js'
import { MAX_RECORD_PLAINTEXT_BYTES, RECORD_GAS_PER_RECIPIENT, TX_BASE_GAS, TX_GAS_PER_PAYLOAD_BYTE } from '../../src/ledger/constants.js'
import { bindEncryptionKey, registrationPayload } from '../../src/ledger/encryption-key.js'
import { openRecord, RecordError, sealRecord, type RecordErrorCode } from '../../src/ledger/encrypted-record.js'
import {
  decodeTransaction,
  encodeTransaction,
  intrinsicGas,
  signTransaction,
  TxError,
  validateTransaction,
  type RecordPayload,
  type Transaction,
  type TxErrorCode,
  type TxPayload,
} from '../../src/ledger/transaction.js'
import { mutate, NETWORK_ID, OTHER_NETWORK_ID, PARAMS, TEST_KEYS } from './fixtures.js'

const LIMIT = PARAMS.blockGasLimit

interface Party {
  readonly secretKey: Uint8Array
  readonly id: Uint8Array
  readonly encryption: HpkeKeyPair
}

const party = (index: number): Party => ({
  secretKey: TEST_KEYS[index]!,
  id: participantIdOf(publicKeyOf(TEST_KEYS[index]!)),
  encryption: generateKeyPair(),
})
const [ALICE, BOB, CAROL, MALLORY] = [party(0), party(1), party(2), party(3)] as [Party, Party, Party, Party]

function signedBy(who: Party, payload: TxPayload, nonce = 1): Transaction {
  return signTransaction({ ...payload, publicKey: publicKeyOf(who.secretKey), nonce, gasLimit: intrinsicGas(payload) }, who.secretKey, NETWORK_ID)
}

const recipient = (who: Party): { id: Uint8Array; key: Uint8Array } => ({ id: who.id, key: who.encryption.publicKey })
const keysOf = (...pairs: HpkeKeyPair[]) => (publicKey: Uint8Array): Uint8Array | undefined => pairs.find((pair) => bytesEqual(pair.publicKey, publicKey))?.secretKey

function expectTxError(code: TxErrorCode, run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof TxError && error.code === code)
}

function expectRecordError(code: RecordErrorCode, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof RecordError, String(error))
    assert.equal(error.code, code)
    return true
  })
}

const PLAINTEXT = utf8('the launch code is 0000')
const record = (): RecordPayload => sealRecord(ALICE.id, [recipient(ALICE), recipient(BOB), recipient(CAROL)], PLAINTEXT)

describe('encryption keys on the ledger', () => {
  it('a registration with a key, and a rotation, round-trip and validate', () => {
    for (const payload of [registrationPayload(ALICE.secretKey, 'Alice', ALICE.encryption.publicKey, NETWORK_ID), { kind: 'encryption-key' as const, encryptionKey: bindEncryptionKey(ALICE.secretKey, generateKeyPair().publicKey, NETWORK_ID) }]) {
      const tx = signedBy(ALICE, payload)
      const decoded = decodeTransaction(encodeTransaction(tx))
      assert.deepEqual(decoded, tx)
      validateTransaction(decoded, NETWORK_ID, LIMIT)
    }
  })

  it('a registration without a key keeps its one-field encoding (old transactions decode to the same hash)', () => {
    const payload = registrationPayload(ALICE.secretKey, null, undefined, NETWORK_ID)
    assert.deepEqual(payload, { kind: 'participant', name: null })
    const tx = signedBy(ALICE, payload, 0)
    assert.equal(toHex(encodeTransaction(tx)), toHex(encode([0, tx.publicKey, 0, tx.gasLimit, [null], tx.signature])))
    // `[name, null]` is not a form: refused, not read as "no key"
    const bytes = encode([0, tx.publicKey, 0, tx.gasLimit, [null, null], tx.signature])
    expectTxError('TX_ERROR_MALFORMED', () => decodeTransaction(bytes))
  })

  it('refuses a key published for someone else: a binding signed by another identity, or for another network', () => {
    // Mallory publishes a key under Alice's binding, or binds his own key in Alice's name
    const stolen = registrationPayload(ALICE.secretKey, null, MALLORY.encryption.publicKey, NETWORK_ID)
    expectTxError('TX_ERROR_BAD_KEY_BINDING', () => validateTransaction(signedBy(MALLORY, stolen, 0), NETWORK_ID, LIMIT))
    const rotation = { kind: 'encryption-key' as const, encryptionKey: bindEncryptionKey(ALICE.secretKey, MALLORY.encryption.publicKey, NETWORK_ID) }
    expectTxError('TX_ERROR_BAD_KEY_BINDING', () => validateTransaction(signedBy(MALLORY, rotation), NETWORK_ID, LIMIT))
    const otherNetwork = { kind: 'encryption-key' as const, encryptionKey: bindEncryptionKey(ALICE.secretKey, ALICE.encryption.publicKey, OTHER_NETWORK_ID) }
    expectTxError('TX_ERROR_BAD_KEY_BINDING', () => validateTransaction(signedBy(ALICE, otherNetwork), NETWORK_ID, LIMIT))
    // and the sender's own key cannot be swapped in under the victim's transaction signature
    const honest = signedBy(ALICE, { kind: 'encryption-key', encryptionKey: bindEncryptionKey(ALICE.secretKey, ALICE.encryption.publicKey, NETWORK_ID) })
    const swapped = { ...honest, encryptionKey: bindEncryptionKey(MALLORY.secretKey, MALLORY.encryption.publicKey, NETWORK_ID) }
    expectTxError('TX_ERROR_BAD_SIGNATURE', () => validateTransaction(swapped, NETWORK_ID, LIMIT))
  })
})

describe('record transactions', () => {
  it('round-trip, validate, and cost their bytes plus an index entry per recipient', () => {
    const payload = record()
    const tx = signedBy(ALICE, payload)
    assert.deepEqual(decodeTransaction(encodeTransaction(tx)), tx)
    validateTransaction(tx, NETWORK_ID, LIMIT)
    const bytes = payload.ciphertext.length + payload.recipients.length * (20 + 32 + 32 + 48)
    assert.equal(intrinsicGas(payload), TX_BASE_GAS + TX_GAS_PER_PAYLOAD_BYTE * bytes + 3 * RECORD_GAS_PER_RECIPIENT)
  })

  it('every single-bit flip of a record transaction is refused', () => {
    const bytes = encodeTransaction(signedBy(ALICE, sealRecord(ALICE.id, [recipient(ALICE), recipient(BOB)], utf8('hi'))))
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = mutate(bytes, { type: 'flip', at: bit >> 3, bit: bit & 7 })!
      assert.throws(() => validateTransaction(decodeTransaction(flipped), NETWORK_ID, LIMIT), TxError)
    }
  })

  it('refuses unsorted or duplicate recipients, none, and a record without its sender', () => {
    const payload = record()
    const reversed = { ...payload, recipients: [...payload.recipients].reverse() }
    expectTxError('TX_ERROR_BAD_RECIPIENTS', () => validateTransaction(signedBy(ALICE, reversed), NETWORK_ID, LIMIT))
    const twice = { ...payload, recipients: [payload.recipients[0]!, payload.recipients[0]!] }
    expectTxError('TX_ERROR_BAD_RECIPIENTS', () => validateTransaction(signedBy(ALICE, twice), NETWORK_ID, LIMIT))
    expectTxError('TX_ERROR_BAD_RECIPIENTS', () => validateTransaction(signedBy(ALICE, { ...payload, recipients: [] }), NETWORK_ID, LIMIT))
    expectTxError('TX_ERROR_BAD_RECIPIENTS', () => validateTransaction(signedBy(MALLORY, payload), NETWORK_ID, LIMIT))
  })

  it('refuses a truncated record: cut anywhere, or a ciphertext shorter than its tag', () => {
    const bytes = encodeTransaction(signedBy(ALICE, record()))
    for (let at = 0; at < bytes.length; at += 7) expectTxError('TX_ERROR_MALFORMED', () => decodeTransaction(bytes.subarray(0, at)))
    const tx = signedBy(ALICE, { ...record(), ciphertext: new Uint8Array(15) })
    expectTxError('TX_ERROR_MALFORMED', () => decodeTransaction(encodeTransaction(tx)))
  })
})

describe('sealing and opening records', () => {
  it('a record to two recipients is read by both and by the sender, and by nobody else', () => {
    const payload = sealRecord(ALICE.id, [recipient(BOB), recipient(CAROL), recipient(ALICE)], PLAINTEXT)
    assert.deepEqual(payload.recipients.map((r) => toHex(r.id)), [ALICE.id, BOB.id, CAROL.id].sort(compareBytes).map(toHex), 'sorted by id')
    for (const reader of [ALICE, BOB, CAROL]) assert.deepEqual(openRecord(payload, ALICE.id, reader.id, keysOf(reader.encryption)), PLAINTEXT)
    expectRecordError('RECORD_ERROR_NOT_A_RECIPIENT', () => openRecord(payload, ALICE.id, MALLORY.id, keysOf(MALLORY.encryption)))
    // the ciphertext does not hold the plaintext
    assert.equal(Buffer.from(encodeTransaction(signedBy(ALICE, payload))).includes(Buffer.from(PLAINTEXT)), false)
  })

  it('refuses tampered ciphertext, a tampered wrapped key, and a truncated ciphertext', () => {
    const payload = record()
    const ciphertext = Uint8Array.from(payload.ciphertext)
    ciphertext[0]! ^= 1
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord({ ...payload, ciphertext }, ALICE.id, BOB.id, keysOf(BOB.encryption)))
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord({ ...payload, ciphertext: payload.ciphertext.subarray(0, 20) }, ALICE.id, BOB.id, keysOf(BOB.encryption)))
    const recipients = payload.recipients.map((r) => (bytesEqual(r.id, BOB.id) ? { ...r, wrappedKey: Uint8Array.from(r.wrappedKey).fill(7, 0, 1) } : r))
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord({ ...payload, recipients }, ALICE.id, BOB.id, keysOf(BOB.encryption)))
  })

  it('refuses a wrong recipient key, and says so when the keystore lacks the key the record was sent to', () => {
    const payload = record()
    const wrong = generateKeyPair()
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord(payload, ALICE.id, BOB.id, () => wrong.secretKey))
    expectRecordError('RECORD_ERROR_NO_KEY', () => openRecord(payload, ALICE.id, BOB.id, keysOf(wrong)))
  })

  it('is bound to its sender and its exact readers: copied under another sender, or with a reader swapped, it does not open', () => {
    const payload = record()
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord(payload, MALLORY.id, BOB.id, keysOf(BOB.encryption)))
    const carol = payload.recipients.findIndex((r) => bytesEqual(r.id, CAROL.id))
    const swapped = payload.recipients.map((r, i) => (i === carol ? { ...r, key: MALLORY.encryption.publicKey } : r))
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord({ ...payload, recipients: swapped }, ALICE.id, BOB.id, keysOf(BOB.encryption)))
  })

  it('after a rotation, old records open with the old key only and new ones with the new key only', () => {
    const oldKey = BOB.encryption
    const newKey = generateKeyPair()
    const before = sealRecord(ALICE.id, [recipient(ALICE), { id: BOB.id, key: oldKey.publicKey }], utf8('before'))
    const after = sealRecord(ALICE.id, [recipient(ALICE), { id: BOB.id, key: newKey.publicKey }], utf8('after'))
    // a keystore with both keys reads both
    assert.deepEqual(openRecord(before, ALICE.id, BOB.id, keysOf(oldKey, newKey)), utf8('before'))
    assert.deepEqual(openRecord(after, ALICE.id, BOB.id, keysOf(oldKey, newKey)), utf8('after'))
    // each key alone reads only its own records
    expectRecordError('RECORD_ERROR_NO_KEY', () => openRecord(after, ALICE.id, BOB.id, keysOf(oldKey)))
    expectRecordError('RECORD_ERROR_NO_KEY', () => openRecord(before, ALICE.id, BOB.id, keysOf(newKey)))
    expectRecordError('RECORD_ERROR_DECRYPTION_FAILED', () => openRecord(after, ALICE.id, BOB.id, () => oldKey.secretKey))
  })

  it('refuses to seal too much data, duplicate recipients, none, or without the sender, before encrypting', () => {
    expectRecordError('RECORD_ERROR_TOO_LARGE', () => sealRecord(ALICE.id, [recipient(ALICE)], new Uint8Array(MAX_RECORD_PLAINTEXT_BYTES + 1)))
    expectRecordError('RECORD_ERROR_BAD_RECIPIENTS', () => sealRecord(ALICE.id, [recipient(ALICE), recipient(BOB), recipient(BOB)], PLAINTEXT))
    expectRecordError('RECORD_ERROR_BAD_RECIPIENTS', () => sealRecord(ALICE.id, [], PLAINTEXT))
    expectRecordError('RECORD_ERROR_BAD_RECIPIENTS', () => sealRecord(ALICE.id, [recipient(BOB)], PLAINTEXT))
    // the largest record fits a transaction
    const largest = signedBy(ALICE, sealRecord(ALICE.id, [recipient(ALICE)], new Uint8Array(MAX_RECORD_PLAINTEXT_BYTES)))
    validateTransaction(decodeTransaction(encodeTransaction(largest)), NETWORK_ID, LIMIT)
  })
})

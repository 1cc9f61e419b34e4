/**
 * Sealing and opening encrypted records (the `record` transaction kind, docs/records.md).
 *
 * A record is encrypted once and its key wrapped once per recipient:
 *   contentKey  = 32 random bytes, fresh for every record
 *   aad         = SHA-256("chain/record\0" ‖ sender id ‖ CBOR [[id, key], ...] of the recipients)
 *   ciphertext  = ChaCha20-Poly1305(contentKey, nonce = 0^12, aad, plaintext)
 *   for each recipient: (enc, wrappedKey) = HPKE SealBase(its key, info = "chain/record-key\0", aad, contentKey)
 * The zero nonce is safe because a content key encrypts exactly one message. The aad binds the
 * ciphertext and every wrapped key to the sender and the exact list of readers: a record copied
 * into someone else's transaction, or with a recipient added, removed or swapped, no longer
 * opens. HPKE's base mode does not say who sealed; the transaction's signature does.
 */
import { randomBytes } from 'node:crypto'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ChainError } from '../errors.js'
import { encode } from '../encoding/cbor.js'
import { asBytes, bytesEqual, compareBytes } from '../encoding/bytes.js'
import { domainTag, sha256 } from '../crypto/hash.js'
import { HPKE_KEY_BYTES, HPKE_NONCE_BYTES, HpkeError, openBase, sealBase } from '../crypto/hpke.js'
import { formatParticipantId } from '../crypto/identity.js'
import { MAX_RECORD_PLAINTEXT_BYTES, MAX_RECORD_RECIPIENTS } from './constants.js'
import type { RecordPayload, RecordRecipient } from './transaction.js'

const AAD_TAG = domainTag('record')
const WRAP_INFO = domainTag('record-key')
const ZERO_NONCE = new Uint8Array(HPKE_NONCE_BYTES)

export type RecordErrorCode =
  /** More plaintext than MAX_RECORD_PLAINTEXT_BYTES: refused before anything is encrypted. */
  | 'RECORD_ERROR_TOO_LARGE'
  /** No recipient, too many, one twice, or the sender not among them. */
  | 'RECORD_ERROR_BAD_RECIPIENTS'
  /** The reader is not among the record's recipients: nothing was wrapped for it. */
  | 'RECORD_ERROR_NOT_A_RECIPIENT'
  /** The reader is a recipient, but its keystore lacks the secret key the record was wrapped to. */
  | 'RECORD_ERROR_NO_KEY'
  /** A wrapped key or the ciphertext does not open: a wrong key, or changed bytes. */
  | 'RECORD_ERROR_DECRYPTION_FAILED'

export class RecordError extends ChainError<RecordErrorCode, { detail: string }> {
  constructor(code: RecordErrorCode, detail: string) {
    super(code, { detail }, detail)
  }
}

/** A reader of a record to be sealed: its id and its current encryption key (X25519). */
export interface SealingRecipient {
  readonly id: Uint8Array
  readonly key: Uint8Array
}

/** The additional data that binds a record to its sender and its readers. */
function recordAad(sender: Uint8Array, recipients: readonly Pick<RecordRecipient, 'id' | 'key'>[]): Uint8Array {
  return sha256(AAD_TAG, sender, encode(recipients.map((recipient) => [recipient.id, recipient.key])))
}

/**
 * Encrypts `plaintext` for `recipients` (the sender among them), sorted into the canonical
 * order. Throws `RecordError` before encrypting anything when the input breaks a rule.
 */
export function sealRecord(sender: Uint8Array, recipients: readonly SealingRecipient[], plaintext: Uint8Array): RecordPayload {
  if (plaintext.length > MAX_RECORD_PLAINTEXT_BYTES) {
    throw new RecordError('RECORD_ERROR_TOO_LARGE', `${plaintext.length} bytes of data; a record holds at most ${MAX_RECORD_PLAINTEXT_BYTES}`)
  }
  const sorted = [...recipients].sort((a, b) => compareBytes(a.id, b.id))
  if (sorted.length === 0 || sorted.length > MAX_RECORD_RECIPIENTS) {
    throw new RecordError('RECORD_ERROR_BAD_RECIPIENTS', `a record has 1 to ${MAX_RECORD_RECIPIENTS} recipients, the sender included; got ${sorted.length}`)
  }
  for (let i = 1; i < sorted.length; i++) {
    if (bytesEqual(sorted[i - 1]!.id, sorted[i]!.id)) {
      throw new RecordError('RECORD_ERROR_BAD_RECIPIENTS', `recipient ${formatParticipantId(sorted[i]!.id)} is named twice`)
    }
  }
  if (!sorted.some((recipient) => bytesEqual(recipient.id, sender))) {
    throw new RecordError('RECORD_ERROR_BAD_RECIPIENTS', 'the sender must be among the recipients')
  }
  const aad = recordAad(sender, sorted)
  const contentKey = asBytes(randomBytes(HPKE_KEY_BYTES))
  try {
    const ciphertext = chacha20poly1305(contentKey, ZERO_NONCE, aad).encrypt(plaintext)
    const wrapped = sorted.map((recipient) => {
      const { enc, ciphertext: wrappedKey } = sealBase(recipient.key, WRAP_INFO, aad, contentKey)
      return { id: recipient.id, key: recipient.key, enc, wrappedKey }
    })
    return { kind: 'record', recipients: wrapped, ciphertext }
  } finally {
    contentKey.fill(0)
  }
}

/**
 * Decrypts a record for `reader`, with the secret key `secretKeyOf` finds for the public key the
 * record was wrapped to (`undefined`: the keystore has none). Throws `RecordError`.
 */
export function openRecord(
  record: RecordPayload,
  sender: Uint8Array,
  reader: Uint8Array,
  secretKeyOf: (publicKey: Uint8Array) => Uint8Array | undefined,
): Uint8Array {
  const entry = record.recipients.find((recipient) => bytesEqual(recipient.id, reader))
  if (entry === undefined) throw new RecordError('RECORD_ERROR_NOT_A_RECIPIENT', `${formatParticipantId(reader)} is not a recipient of this record`)
  const secretKey = secretKeyOf(entry.key)
  if (secretKey === undefined) {
    throw new RecordError('RECORD_ERROR_NO_KEY', `the keystore of ${formatParticipantId(reader)} has no secret key for the encryption key this record was sent to`)
  }
  const aad = recordAad(sender, record.recipients)
  let contentKey: Uint8Array
  try {
    contentKey = openBase(entry.enc, secretKey, WRAP_INFO, aad, entry.wrappedKey)
  } catch (error) {
    if (error instanceof HpkeError) throw new RecordError('RECORD_ERROR_DECRYPTION_FAILED', `the record's key does not open: ${error.message}`)
    throw error
  }
  try {
    return chacha20poly1305(contentKey, ZERO_NONCE, aad).decrypt(record.ciphertext)
  } catch {
    throw new RecordError('RECORD_ERROR_DECRYPTION_FAILED', 'the record does not decrypt: its ciphertext was changed')
  } finally {
    contentKey.fill(0)
  }
}

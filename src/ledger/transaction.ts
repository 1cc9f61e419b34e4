/**
 * Transactions: the five kinds, their canonical encoding, hashing, signing and the stateless
 * checks that need nothing but the transaction and the network it is for.
 *
 * Encoding (CBOR array, see docs/data-formats.md):
 *   [kind, publicKey, nonce, gasLimit, payload, signature]
 * where `payload` depends on the kind:
 *   participant (0):     [name | null] or [name | null, [encryptionKey, binding]]
 *   contract-deploy (1): [code, args]
 *   contract-call (2):   [contract, method, args]
 *   encryption-key (3):  [encryptionKey, binding]           (a rotation, docs/records.md)
 *   record (4):          [[[id, key, enc, wrappedKey], ...], ciphertext]
 * A registration without an encryption key keeps the one-field form it always had, so every
 * transaction encoded before encryption keys existed still decodes, and to the same hash.
 *
 * The sender is named by its public key (Ed25519 keys cannot be recovered from a signature,
 * unlike Ethereum's ECDSA); its participant id is the hash of that key. The signature covers
 * the network id, so a transaction signed for one network is void on every other (the replay
 * protection of EIP-155), and the sender's nonce, so it is void once included (see the state).
 */
import { ChainError } from '../errors.js'
import { decode, encode, EncodingError, type CborValue } from '../encoding/cbor.js'
import { readArray, readBytes, readList, readOptional, readText, readUint } from '../encoding/shape.js'
import { domainTag, sha256 } from '../crypto/hash.js'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sign, verify, publicKeyOf, type SignedMessage } from '../crypto/ed25519.js'
import { ADDRESS_BYTES, participantIdOf } from '../crypto/identity.js'
import { HPKE_ENC_BYTES, HPKE_PUBLIC_KEY_BYTES, HPKE_TAG_BYTES } from '../crypto/hpke.js'
import { bytesEqual, compareBytes, copyBytes } from '../encoding/bytes.js'
import { bindingSignature, type EncryptionKeyBinding } from './encryption-key.js'
import {
  MAX_ARGS_BYTES,
  MAX_CODE_BYTES,
  MAX_GAS,
  MAX_METHOD_BYTES,
  MAX_NAME_BYTES,
  MAX_RECORD_PLAINTEXT_BYTES,
  MAX_RECORD_RECIPIENTS,
  MAX_TX_BYTES,
  RECORD_GAS_PER_RECIPIENT,
  TX_BASE_GAS,
  TX_GAS_PER_PAYLOAD_BYTE,
} from './constants.js'

export type TxKind = 'participant' | 'contract-deploy' | 'contract-call' | 'encryption-key' | 'record'

const KIND_CODES: Record<TxKind, number> = { participant: 0, 'contract-deploy': 1, 'contract-call': 2, 'encryption-key': 3, record: 4 }
const KINDS_BY_CODE: readonly TxKind[] = ['participant', 'contract-deploy', 'contract-call', 'encryption-key', 'record']

/** A wrapped content key: the ChaCha20-Poly1305 key of a record (32 bytes) and its tag. */
export const WRAPPED_KEY_BYTES = 32 + HPKE_TAG_BYTES
/** The largest record ciphertext: the largest plaintext and its tag. */
export const MAX_RECORD_CIPHERTEXT_BYTES = MAX_RECORD_PLAINTEXT_BYTES + HPKE_TAG_BYTES

interface TxCommon {
  /** The sender's Ed25519 public key; the sender's id is `participantIdOf(publicKey)`. */
  readonly publicKey: Uint8Array
  /** The sender's transaction count before this one: 0 for its first (its registration). */
  readonly nonce: number
  /** Most gas this transaction may use, intrinsic gas included. */
  readonly gasLimit: number
}

export interface ParticipantPayload {
  readonly kind: 'participant'
  /** Display name; not unique, never used to identify anyone. */
  readonly name: string | null
  /** The participant's first encryption key, when it publishes one at registration. */
  readonly encryptionKey?: EncryptionKeyBinding
}

export interface DeployPayload {
  readonly kind: 'contract-deploy'
  /** The contract's JavaScript module source. */
  readonly code: string
  /** JSON array text: the arguments of the contract's `init`. */
  readonly args: string
}

export interface CallPayload {
  readonly kind: 'contract-call'
  /** Address (20 bytes) of the contract to call. */
  readonly contract: Uint8Array
  readonly method: string
  /** JSON array text: the method's arguments. */
  readonly args: string
}

/** A new encryption key of a registered participant, replacing its current one (a rotation). */
export interface EncryptionKeyPayload {
  readonly kind: 'encryption-key'
  readonly encryptionKey: EncryptionKeyBinding
}

/** One reader of a record: who, with which of its keys, and the content key wrapped for it. */
export interface RecordRecipient {
  /** The recipient's participant id (20 bytes). */
  readonly id: Uint8Array
  /** The recipient's encryption key the content key was wrapped to (its current one on chain). */
  readonly key: Uint8Array
  /** HPKE's encapsulated key (the ephemeral X25519 public key). */
  readonly enc: Uint8Array
  /** The content key sealed with HPKE to `key`. */
  readonly wrappedKey: Uint8Array
}

/** An encrypted record (src/ledger/encrypted-record.ts, docs/records.md). */
export interface RecordPayload {
  readonly kind: 'record'
  /** Sorted by id, strictly: no duplicates, one canonical order. The sender is always one. */
  readonly recipients: readonly RecordRecipient[]
  /** ChaCha20-Poly1305 of the plaintext under the content key, tag included. */
  readonly ciphertext: Uint8Array
}

export type TxPayload = ParticipantPayload | DeployPayload | CallPayload | EncryptionKeyPayload | RecordPayload
export type UnsignedTransaction = TxCommon & TxPayload
export type Transaction = UnsignedTransaction & { readonly signature: Uint8Array }

/** Why a transaction was refused without looking at any state. */
export type TxErrorCode =
  | 'TX_ERROR_MALFORMED' // not a canonical encoding of a transaction (see data.detail)
  | 'TX_ERROR_UNKNOWN_KIND' // a kind number this version does not know
  | 'TX_ERROR_TOO_LARGE' // the encoded transaction is over MAX_TX_BYTES
  | 'TX_ERROR_BAD_METHOD' // a method name that is not a plain identifier
  | 'TX_ERROR_BAD_NAME' // a participant name with control characters or surrounding space
  | 'TX_ERROR_BAD_ARGS' // arguments that are not a JSON array
  | 'TX_ERROR_GAS_LIMIT_TOO_LOW' // below the intrinsic gas of the transaction
  | 'TX_ERROR_GAS_LIMIT_TOO_HIGH' // above the block gas limit (it could never be included)
  | 'TX_ERROR_BAD_SIGNATURE' // the signature does not verify for this network
  | 'TX_ERROR_BAD_KEY_BINDING' // an encryption key whose binding is not the sender's signature for this network
  | 'TX_ERROR_BAD_RECIPIENTS' // a record with no recipient, too many, unsorted or duplicate ones, or without its sender

export class TxError extends ChainError<TxErrorCode, { detail: string }> {
  constructor(code: TxErrorCode, detail: string) {
    super(code, { detail }, `invalid transaction: ${detail}`)
  }
}

const bindingFields = (binding: EncryptionKeyBinding): Uint8Array[] => [binding.publicKey, binding.signature]

function payloadFields(tx: TxPayload): CborValue[] {
  switch (tx.kind) {
    case 'participant':
      return tx.encryptionKey === undefined ? [tx.name] : [tx.name, bindingFields(tx.encryptionKey)]
    case 'contract-deploy':
      return [tx.code, tx.args]
    case 'contract-call':
      return [tx.contract, tx.method, tx.args]
    case 'encryption-key':
      return bindingFields(tx.encryptionKey)
    case 'record':
      return [tx.recipients.map((r) => [r.id, r.key, r.enc, r.wrappedKey]), tx.ciphertext]
  }
}

function unsignedFields(tx: UnsignedTransaction): CborValue[] {
  return [KIND_CODES[tx.kind], tx.publicKey, tx.nonce, tx.gasLimit, payloadFields(tx)]
}

/** Bytes of the strings and byte strings of a payload, however nested: what it costs to carry. */
function payloadBytes(fields: readonly CborValue[]): number {
  let bytes = 0
  for (const field of fields) {
    if (typeof field === 'string') bytes += Buffer.byteLength(field)
    else if (field instanceof Uint8Array) bytes += field.length
    else if (Array.isArray(field)) bytes += payloadBytes(field)
  }
  return bytes
}

/**
 * Each transaction's encoding and id, made once: a transaction is immutable, and on its way from
 * the pool to the store its bytes are needed for its size, its id, the block's transactions root,
 * gossip and the body record. Weak maps, so they go when the transaction does.
 */
const encodings = new WeakMap<Transaction, Uint8Array>()
const hashes = new WeakMap<Transaction, Uint8Array>()

/**
 * The canonical encoding of `tx` (shared: never modify the bytes), kept as long as the
 * transaction (`encode` gives it a buffer of its own).
 */
export function encodeTransaction(tx: Transaction): Uint8Array {
  let encoded = encodings.get(tx)
  if (encoded === undefined) encodings.set(tx, (encoded = encode([...unsignedFields(tx), tx.signature])))
  return encoded
}

/** The transaction id: SHA-256 of its encoding (signature included). */
export function transactionHash(tx: Transaction): Uint8Array {
  let hash = hashes.get(tx)
  if (hash === undefined) hashes.set(tx, (hash = sha256(encodeTransaction(tx))))
  return hash
}

const SIGNING_TAG = domainTag('tx')

/** CBOR heads: an array of 5 items, and a byte string of a signature's 64 bytes. */
const UNSIGNED_ARRAY_HEAD = Uint8Array.of(0x85)
const SIGNATURE_FIELD_BYTES = 2 + SIGNATURE_BYTES

/** The 32 bytes the sender signs: the network id and everything but the signature. */
export function signingHash(tx: UnsignedTransaction | Transaction, networkId: Uint8Array): Uint8Array {
  if ('signature' in tx && tx.signature.length === SIGNATURE_BYTES) {
    // A signed transaction's encoding, made once, holds the unsigned one: the same items under
    // a head of 5 instead of 6 (one byte each), less the signature, last. No second encoding.
    const encoded = encodeTransaction(tx)
    return sha256(SIGNING_TAG, networkId, UNSIGNED_ARRAY_HEAD, encoded.subarray(1, encoded.length - SIGNATURE_FIELD_BYTES))
  }
  return sha256(SIGNING_TAG, networkId, encode(unsignedFields(tx)))
}

export function signTransaction(tx: UnsignedTransaction, secretKey: Uint8Array, networkId: Uint8Array): Transaction {
  const publicKey = publicKeyOf(secretKey)
  const unsigned = { ...tx, publicKey }
  return { ...unsigned, signature: sign(secretKey, signingHash(unsigned, networkId)) }
}

const senders = new WeakMap<TxCommon, Uint8Array>()

/** The sender's participant id (shared: never modify the bytes); found once per transaction, as its hash is. */
export function senderOf(tx: TxCommon): Uint8Array {
  let sender = senders.get(tx)
  if (sender === undefined) senders.set(tx, (sender = participantIdOf(tx.publicKey)))
  return sender
}

/**
 * Gas charged before execution: a base for the signature plus a price per payload byte, and
 * for a record a price per recipient for the index entry it writes.
 */
export function intrinsicGas(tx: TxPayload): number {
  const perRecipient = tx.kind === 'record' ? RECORD_GAS_PER_RECIPIENT * tx.recipients.length : 0
  return TX_BASE_GAS + TX_GAS_PER_PAYLOAD_BYTE * payloadBytes(payloadFields(tx)) + perRecipient
}

const METHOD_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]*$/
/** Printable, no control or bidirectional-override characters that could fool a terminal. */
const NAME_PATTERN = /^[^\p{Cc}\p{Cf}\s](?:[^\p{Cc}\p{Cf}]*[^\p{Cc}\p{Cf}\s])?$/u

/** Whether `name` may be shown as a participant's name (the genesis file follows the same rule). */
export function isValidParticipantName(name: string): boolean {
  return NAME_PATTERN.test(name)
}

function readBinding(value: unknown): EncryptionKeyBinding {
  const [publicKey, signature] = readArray(value, 'encryption key', 2)
  return { publicKey: readBytes(publicKey, 'encryptionKey', HPKE_PUBLIC_KEY_BYTES), signature: readBytes(signature, 'binding', SIGNATURE_BYTES) }
}

function readRecipient(value: unknown): RecordRecipient {
  const [id, key, enc, wrappedKey] = readArray(value, 'recipient', 4)
  return {
    id: readBytes(id, 'recipient id', ADDRESS_BYTES),
    key: readBytes(key, 'recipient key', HPKE_PUBLIC_KEY_BYTES),
    enc: readBytes(enc, 'enc', HPKE_ENC_BYTES),
    wrappedKey: readBytes(wrappedKey, 'wrappedKey', WRAPPED_KEY_BYTES),
  }
}

function readPayload(kind: TxKind, value: unknown): TxPayload {
  switch (kind) {
    case 'participant': {
      // One field, or two when a key is published: `[name, null]` is not a canonical form.
      const fields = readList(value, 'participant payload', 2)
      const [name, binding] = fields.length === 2 ? fields : readArray(value, 'participant payload', 1)
      const payload = { kind, name: readOptional(name, (v) => readText(v, 'name', MAX_NAME_BYTES)) }
      return binding === undefined ? payload : { ...payload, encryptionKey: readBinding(binding) }
    }
    case 'contract-deploy': {
      const [code, args] = readArray(value, 'deploy payload', 2)
      return { kind, code: readText(code, 'code', MAX_CODE_BYTES), args: readText(args, 'args', MAX_ARGS_BYTES) }
    }
    case 'contract-call': {
      const [contract, method, args] = readArray(value, 'call payload', 3)
      return {
        kind,
        contract: readBytes(contract, 'contract', ADDRESS_BYTES),
        method: readText(method, 'method', MAX_METHOD_BYTES),
        args: readText(args, 'args', MAX_ARGS_BYTES),
      }
    }
    case 'encryption-key':
      return { kind, encryptionKey: readBinding(value) }
    case 'record': {
      const [recipients, ciphertext] = readArray(value, 'record payload', 2)
      const bytes = readBytes(ciphertext, 'ciphertext')
      if (bytes.length > MAX_RECORD_CIPHERTEXT_BYTES) {
        throw new TxError('TX_ERROR_TOO_LARGE', `record ciphertext of ${bytes.length} bytes, limit ${MAX_RECORD_CIPHERTEXT_BYTES}`)
      }
      if (bytes.length < HPKE_TAG_BYTES) throw new TxError('TX_ERROR_MALFORMED', `record ciphertext of ${bytes.length} bytes, shorter than its tag`)
      return { kind, recipients: readList(recipients, 'recipients', MAX_RECORD_RECIPIENTS).map(readRecipient), ciphertext: bytes }
    }
  }
}

/**
 * Decodes a transaction strictly: canonical CBOR, exact shape, every length bounded.
 * Does not verify the signature (see `validateTransaction`).
 */
export function decodeTransaction(bytes: Uint8Array): Transaction {
  // The encoding is kept: copied, for the caller may reuse its buffer.
  return decodeKeeping(bytes, true)
}

/**
 * The transaction that is `item` of a decoded CBOR document (a block, a body, a message):
 * `decodeTransaction` of its bytes, which the document's reader copied out already, so that
 * they are kept as they are (a view into a larger buffer, which would pin it, is copied).
 * Throws `EncodingError` for an item that is not bytes.
 */
export function readTransaction(item: unknown): Transaction {
  const bytes = readBytes(item, 'transaction')
  return decodeKeeping(bytes, bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength)
}

function decodeKeeping(bytes: Uint8Array, copy: boolean): Transaction {
  if (bytes.length > MAX_TX_BYTES) throw new TxError('TX_ERROR_TOO_LARGE', `${bytes.length} bytes, limit ${MAX_TX_BYTES}`)
  try {
    const [kindCode, publicKey, nonce, gasLimit, payload, signature] = readArray(
      decode(bytes, 'transaction', MAX_TX_BYTES),
      'transaction',
      6,
    )
    const kind = KINDS_BY_CODE[readUint(kindCode, 'kind', 255)]
    if (kind === undefined) throw new TxError('TX_ERROR_UNKNOWN_KIND', `unknown kind ${String(kindCode)}`)
    const tx: Transaction = {
      publicKey: readBytes(publicKey, 'publicKey', PUBLIC_KEY_BYTES),
      nonce: readUint(nonce, 'nonce'),
      gasLimit: readUint(gasLimit, 'gasLimit', MAX_GAS),
      ...readPayload(kind, payload),
      signature: readBytes(signature, 'signature', SIGNATURE_BYTES),
    }
    // Decoding is strict, so these bytes are the canonical encoding: no need to make it again.
    encodings.set(tx, copy ? copyBytes(bytes) : bytes)
    return tx
  } catch (error) {
    if (error instanceof EncodingError) throw new TxError('TX_ERROR_MALFORMED', error.message)
    throw error
  }
}

function checkJsonArray(args: string): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(args)
  } catch {
    throw new TxError('TX_ERROR_BAD_ARGS', 'args are not valid JSON')
  }
  if (!Array.isArray(parsed)) throw new TxError('TX_ERROR_BAD_ARGS', 'args must be a JSON array')
}

/**
 * Every check that needs no state but the signatures: well-formed fields, enough gas for its
 * own bytes, not more than a block can hold. Throws `TxError`. The node checks the signatures
 * (`transactionSignatures`) in its verify pool (src/chain/tx-verifier.ts).
 */
export function checkTransaction(tx: Transaction, blockGasLimit: number): void {
  switch (tx.kind) {
    case 'participant':
      if (tx.name !== null && !isValidParticipantName(tx.name)) {
        throw new TxError('TX_ERROR_BAD_NAME', 'name must be printable without leading or trailing space')
      }
      break
    case 'contract-deploy':
      checkJsonArray(tx.args)
      break
    case 'contract-call':
      if (!METHOD_PATTERN.test(tx.method)) throw new TxError('TX_ERROR_BAD_METHOD', `method ${JSON.stringify(tx.method)}`)
      checkJsonArray(tx.args)
      break
    case 'encryption-key':
      break
    case 'record':
      checkRecipients(tx, senderOf(tx))
      break
  }
  const minimum = intrinsicGas(tx)
  if (tx.gasLimit < minimum) throw new TxError('TX_ERROR_GAS_LIMIT_TOO_LOW', `gas limit ${tx.gasLimit} below ${minimum}`)
  if (tx.gasLimit > blockGasLimit) {
    throw new TxError('TX_ERROR_GAS_LIMIT_TOO_HIGH', `gas limit ${tx.gasLimit} above the block gas limit ${blockGasLimit}`)
  }
}

/** A signature a transaction carries, and the error it is when it does not hold. */
export interface TxSignature {
  readonly signed: SignedMessage
  readonly error: () => TxError
}

const badSignature = (): TxError => new TxError('TX_ERROR_BAD_SIGNATURE', 'signature does not verify')
const badBinding = (): TxError => new TxError('TX_ERROR_BAD_KEY_BINDING', 'the encryption key is not bound to the sender on this network')

/**
 * The Ed25519 signatures of a transaction, in the order they are judged: the sender's over the
 * transaction for `networkId`, then an encryption key's binding when it publishes one.
 */
export function transactionSignatures(tx: Transaction, networkId: Uint8Array): TxSignature[] {
  const signatures: TxSignature[] = [{ signed: { signature: tx.signature, message: signingHash(tx, networkId), publicKey: tx.publicKey }, error: badSignature }]
  const binding = tx.kind === 'encryption-key' || tx.kind === 'participant' ? tx.encryptionKey : undefined
  if (binding !== undefined) signatures.push({ signed: bindingSignature(binding, tx.publicKey, networkId), error: badBinding })
  return signatures
}

/**
 * Every check that needs no state, signatures included, on the calling thread: `checkTransaction`
 * and `transactionSignatures` verified one by one. Throws `TxError`. The node does the same
 * through its verify pool; this is the rule in one call, for tests and tools.
 */
export function validateTransaction(tx: Transaction, networkId: Uint8Array, blockGasLimit: number): void {
  checkTransaction(tx, blockGasLimit)
  for (const { signed, error } of transactionSignatures(tx, networkId)) {
    if (!verify(signed.signature, signed.message, signed.publicKey)) throw error()
  }
}

/**
 * A record's recipients: one to MAX_RECORD_RECIPIENTS (the decoder bounds the count), strictly
 * ascending ids (so no duplicates and one canonical order), the sender among them (so the
 * sender can always read what it wrote).
 */
function checkRecipients(tx: RecordPayload, sender: Uint8Array): void {
  if (tx.recipients.length === 0) throw new TxError('TX_ERROR_BAD_RECIPIENTS', 'a record needs at least one recipient')
  for (let i = 1; i < tx.recipients.length; i++) {
    if (compareBytes(tx.recipients[i - 1]!.id, tx.recipients[i]!.id) >= 0) {
      throw new TxError('TX_ERROR_BAD_RECIPIENTS', 'recipients must be sorted by id, each once')
    }
  }
  if (!tx.recipients.some((recipient) => bytesEqual(recipient.id, sender))) {
    throw new TxError('TX_ERROR_BAD_RECIPIENTS', 'the sender must be among the recipients')
  }
}

/**
 * What the world state holds, and where: one key space with a one-byte kind prefix, committed by
 * one Merkle Patricia Trie whose root every block header carries.
 *
 *   0x01 ‖ participant id (20)            → [publicKey, name | null, nonce] or
 *                                           [publicKey, name | null, nonce, [encryptionKey, binding]]
 *   0x02 ‖ contract address (20)          → [code, deployer id]
 *   0x03 ‖ contract address (20) ‖ key    → the value's JSON text (UTF-8)
 *   0x04 ‖ recipient id (20) ‖ tx hash    → [sender id, height]: an encrypted record it can read
 *
 * A participant without an encryption key keeps the three-field form, so state written before
 * encryption keys existed has the same bytes and the same root. The record index is in the
 * state (not only in a node's own tables) so that every node answers "which records can this
 * participant read" alike, and the header commits to it (docs/records.md).
 *
 * The contract address is a fixed 20 bytes, so a storage key can never run into the next
 * contract's keys, and no storage key can be mistaken for a participant or a contract.
 */
import { decode, encode } from '../encoding/cbor.js'
import { concatBytes, fromUtf8, utf8 } from '../encoding/bytes.js'
import { readArray, readBytes, readList, readOptional, readText, readUint } from '../encoding/shape.js'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../crypto/ed25519.js'
import { HASH_BYTES } from '../crypto/hash.js'
import { HPKE_PUBLIC_KEY_BYTES } from '../crypto/hpke.js'
import { ADDRESS_BYTES } from '../crypto/identity.js'
import { MAX_CODE_BYTES, MAX_NAME_BYTES } from '../ledger/constants.js'
import type { EncryptionKeyBinding } from '../ledger/encryption-key.js'

const PARTICIPANT_KIND = Uint8Array.of(1)
const CONTRACT_KIND = Uint8Array.of(2)
const STORAGE_KIND = Uint8Array.of(3)
const RECORD_INDEX_KIND = Uint8Array.of(4)

/** A registered participant. */
export interface ParticipantRecord {
  readonly publicKey: Uint8Array
  readonly name: string | null
  /** Transactions of this participant included so far: the nonce its next one must carry. */
  readonly nonce: number
  /** The current encryption key, with the participant's binding signature; absent until published. */
  readonly encryptionKey?: EncryptionKeyBinding
}

/** An entry of the record index: a record one participant can read. */
export interface RecordIndexEntry {
  readonly recipient: Uint8Array
  /** The record transaction's hash. */
  readonly hash: Uint8Array
  readonly sender: Uint8Array
  readonly height: number
}

export interface ContractRecord {
  readonly code: string
  /** Participant id of the deployer. */
  readonly deployer: Uint8Array
}

export const participantKey = (id: Uint8Array): Uint8Array => concatBytes(PARTICIPANT_KIND, id)
export const contractKey = (address: Uint8Array): Uint8Array => concatBytes(CONTRACT_KIND, address)
/** Where a contract's storage keys start: its storage is every state key below this prefix. */
export const storagePrefix = (address: Uint8Array): Uint8Array => concatBytes(STORAGE_KIND, address)
export const storageKey = (address: Uint8Array, key: string): Uint8Array => concatBytes(storagePrefix(address), utf8(key))
/** The prefix of every record index entry of `recipient` (its records are the keys under it). */
export const recordIndexPrefix = (recipient: Uint8Array): Uint8Array => concatBytes(RECORD_INDEX_KIND, recipient)
export const recordIndexKey = (recipient: Uint8Array, hash: Uint8Array): Uint8Array => concatBytes(RECORD_INDEX_KIND, recipient, hash)

/** Bound for decoding stored records: the largest is a contract with the largest code. */
const MAX_RECORD_BYTES = MAX_CODE_BYTES + 1024

export function encodeParticipant(record: ParticipantRecord): Uint8Array {
  const fields = [record.publicKey, record.name, record.nonce]
  return encode(record.encryptionKey === undefined ? fields : [...fields, [record.encryptionKey.publicKey, record.encryptionKey.signature]])
}

export function decodeParticipant(bytes: Uint8Array): ParticipantRecord {
  const value = decode(bytes, 'participant record', MAX_RECORD_BYTES)
  const fields = readList(value, 'participant record', 4)
  const [publicKey, name, nonce, binding] = fields.length === 4 ? fields : readArray(value, 'participant record', 3)
  const record = {
    publicKey: readBytes(publicKey, 'publicKey', PUBLIC_KEY_BYTES),
    name: readOptional(name, (v) => readText(v, 'name', MAX_NAME_BYTES)),
    nonce: readUint(nonce, 'nonce'),
  }
  if (binding === undefined) return record
  const [encryptionKey, signature] = readArray(binding, 'encryption key', 2)
  return {
    ...record,
    encryptionKey: { publicKey: readBytes(encryptionKey, 'encryptionKey', HPKE_PUBLIC_KEY_BYTES), signature: readBytes(signature, 'binding', SIGNATURE_BYTES) },
  }
}

export function encodeRecordIndexEntry(entry: Pick<RecordIndexEntry, 'sender' | 'height'>): Uint8Array {
  return encode([entry.sender, entry.height])
}

/** An index entry from its state key and value. */
export function decodeRecordIndexEntry(key: Uint8Array, value: Uint8Array): RecordIndexEntry {
  if (key.length !== 1 + ADDRESS_BYTES + HASH_BYTES || key[0] !== RECORD_INDEX_KIND[0]) {
    throw new TypeError(`not a record index key: ${key.length} bytes`)
  }
  const [sender, height] = readArray(decode(value, 'record index entry', 64), 'record index entry', 2)
  return {
    recipient: key.subarray(1, 1 + ADDRESS_BYTES),
    hash: key.subarray(1 + ADDRESS_BYTES),
    sender: readBytes(sender, 'sender', ADDRESS_BYTES),
    height: readUint(height, 'height'),
  }
}

export function encodeContract(record: ContractRecord): Uint8Array {
  return encode([record.code, record.deployer])
}

export function decodeContract(bytes: Uint8Array): ContractRecord {
  const [code, deployer] = readArray(decode(bytes, 'contract record', MAX_RECORD_BYTES), 'contract record', 2)
  return { code: readText(code, 'code', MAX_CODE_BYTES), deployer: readBytes(deployer, 'deployer', ADDRESS_BYTES) }
}

export const encodeStorageValue = (json: string): Uint8Array => utf8(json)
export const decodeStorageValue = (bytes: Uint8Array): string => fromUtf8(bytes)

/**
 * What the world state holds, and where: one key space with a one-byte kind prefix, committed by
 * one Merkle Patricia Trie whose root every block header carries.
 *
 *   0x01 ‖ participant id (20)            → [publicKey, name | null, nonce]
 *   0x02 ‖ contract address (20)          → [code, deployer id]
 *   0x03 ‖ contract address (20) ‖ key    → the value's JSON text (UTF-8)
 *
 * The contract address is a fixed 20 bytes, so a storage key can never run into the next
 * contract's keys, and no storage key can be mistaken for a participant or a contract.
 */
import { decode, encode } from '../encoding/cbor.js'
import { concatBytes, fromUtf8, utf8 } from '../encoding/bytes.js'
import { readArray, readBytes, readOptional, readText, readUint } from '../encoding/shape.js'
import { PUBLIC_KEY_BYTES } from '../crypto/ed25519.js'
import { ADDRESS_BYTES } from '../crypto/identity.js'
import { MAX_CODE_BYTES, MAX_NAME_BYTES } from '../ledger/constants.js'

const PARTICIPANT_KIND = Uint8Array.of(1)
const CONTRACT_KIND = Uint8Array.of(2)
const STORAGE_KIND = Uint8Array.of(3)

/** A registered participant. */
export interface ParticipantRecord {
  readonly publicKey: Uint8Array
  readonly name: string | null
  /** Transactions of this participant included so far: the nonce its next one must carry. */
  readonly nonce: number
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

/** Bound for decoding stored records: the largest is a contract with the largest code. */
const MAX_RECORD_BYTES = MAX_CODE_BYTES + 1024

export function encodeParticipant(record: ParticipantRecord): Uint8Array {
  return encode([record.publicKey, record.name, record.nonce])
}

export function decodeParticipant(bytes: Uint8Array): ParticipantRecord {
  const [publicKey, name, nonce] = readArray(decode(bytes, 'participant record', MAX_RECORD_BYTES), 'participant record', 3)
  return {
    publicKey: readBytes(publicKey, 'publicKey', PUBLIC_KEY_BYTES),
    name: readOptional(name, (v) => readText(v, 'name', MAX_NAME_BYTES)),
    nonce: readUint(nonce, 'nonce'),
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
